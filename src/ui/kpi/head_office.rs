//! Head office's view across sites (issue 20): each site database's KPI figures for the
//! period, summed by the server's views, side by side with the total; a site's tickets
//! fetched only when asked for, without names, phones or descriptions. Shown where live sync
//! has a server; the sites are typed once and remembered on this device.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::head_office::{list_query, listed_tickets, queries, site_databases, site_figures, ListedTicket, SiteFigures, ViewProblem};
use crate::domain::kpi::Scope;
use crate::domain::locale::format_datetime;
use crate::platform::couch::FetchCouch;
use crate::store::couch::CouchError;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::domain::vocab::TicketStatus;
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{category_text, status_text};

use super::percent_text;

#[derive(Debug, Clone, PartialEq)]
enum SiteRead {
    Read(SiteFigures),
    Failed(String),
}

fn reason(e: CouchError) -> String {
    match e {
        CouchError::Offline => "offline".into(),
        CouchError::Refused(r) => r,
    }
}

async fn read_site(couch: &FetchCouch, scope: &Scope) -> Result<SiteFigures, String> {
    let (first, last) = scope.period.local_dates(scope.offset_min);
    let [by_day, undecided, visits] = queries(first, last, scope.now);
    // The three at once: the server answers each from its index.
    let (by_day, undecided, visits) = futures::future::join3(couch.read(&by_day), couch.read(&undecided), couch.read(&visits)).await;
    site_figures(&by_day.map_err(reason)?, &undecided.map_err(reason)?, &visits.map_err(reason)?, first, last).map_err(|ViewProblem(p)| p)
}

fn figures_cells(i18n: I18n, f: &SiteFigures) -> impl IntoView {
    view! {
        <td>{f.received}</td>
        <td>{percent_text(i18n, f.satisfaction())}</td>
        <td>{percent_text(i18n, f.completion())}</td>
        <td>{percent_text(i18n, f.response_in_time())}</td>
        <td>{percent_text(i18n, f.complaints_in_time_rate())}</td>
        <td>{percent_text(i18n, f.reopened_rate())}</td>
    }
}

#[component]
pub fn HeadOfficeCard(scope: Memo<Scope>) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let config = crate::ui::live_sync::couch_config(ctx);
    let sites_text = RwSignal::new(crate::platform::prefs::stored_head_office_sites());
    let results = RwSignal::new(Vec::<(String, SiteRead)>::new());
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let listed = RwSignal::new(None::<(String, Result<Vec<ListedTicket>, String>)>);
    let read = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let (Some(cfg), false) = (config.get_untracked(), busy.get_untracked()) else { return };
        let Some(sites) = site_databases(&sites_text.get_untracked()) else {
            status.set(Some(t_string!(i18n, head_office.sites_invalid).to_owned()));
            return;
        };
        let _ = crate::platform::prefs::store_head_office_sites(&sites_text.get_untracked());
        busy.set(true);
        status.set(Some(t_string!(i18n, head_office.reading).to_owned()));
        listed.set(None);
        let scope = scope.get_untracked();
        spawn_local(async move {
            let started = js_sys::Date::now();
            let couch = FetchCouch::new(&cfg);
            let session = if cfg.needs_session() { couch.open_session(&cfg.user, &cfg.password).await.map_err(reason) } else { Ok(()) };
            // Every site at once (a browser keeps six connections to a server; the rest queue).
            let reads = futures::future::join_all(sites.iter().map(|site| {
                let couch = couch.sibling(site);
                let session = session.clone();
                async move {
                    match session {
                        Err(e) => Err(e),
                        Ok(()) => read_site(&couch, &scope).await,
                    }
                }
            }))
            .await;
            let out: Vec<(String, SiteRead)> = sites.iter().cloned().zip(reads.into_iter().map(|r| r.map_or_else(SiteRead::Failed, SiteRead::Read))).collect();
            let ms = (js_sys::Date::now() - started).round();
            results.try_set(out);
            status.try_set(Some(fill(t_string!(i18n, head_office.read_in), "ms", &ms.to_string())));
            busy.try_set(false);
        });
    };
    let show_tickets = move |site: String| {
        let Some(cfg) = config.get_untracked() else { return };
        let scope = scope.get_untracked();
        spawn_local(async move {
            let (first, last) = scope.period.local_dates(scope.offset_min);
            let answer = FetchCouch::new(&cfg).sibling(&site).read(&list_query(first, last)).await.map_err(reason);
            let tickets = answer.and_then(|a| listed_tickets(&a).map_err(|ViewProblem(p)| p));
            listed.try_set(Some((site, tickets)));
        });
    };
    let total = move || {
        let mut sum = SiteFigures::default();
        results.with(|r| r.iter().for_each(|(_, s)| if let SiteRead::Read(f) = s { sum.add(f) }));
        sum
    };
    view! {
        <Show when=move || config.with(Option::is_some)>
            <section class="card" aria-labelledby="head-office-title" data-testid="head-office">
                <h2 id="head-office-title">{t!(i18n, head_office.title)}</h2>
                <p class="hint">{t!(i18n, head_office.intro)}</p>
                <form autocomplete="off" class="stack" on:submit=read>
                    <label class="field">
                        <span>{t!(i18n, head_office.sites)}</span>
                        <input type="text" data-testid="head-office-sites" autocomplete="off" spellcheck="false" prop:value=move || sites_text.get() on:input=move |ev| sites_text.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="btn btn-primary" data-testid="head-office-read" prop:disabled=move || busy.get()>
                        {move || if busy.get() { t_string!(i18n, head_office.reading) } else { t_string!(i18n, head_office.read) }}
                    </button>
                    <p role="status" data-testid="head-office-status">{move || status.get()}</p>
                </form>
                <Show when=move || results.with(|r| !r.is_empty())>
                    <table class="kpi-table" data-testid="head-office-table">
                        <thead><tr>
                            <th scope="col">{t!(i18n, kpi.site)}</th>
                            <th scope="col">{t!(i18n, kpi.received)}</th>
                            <th scope="col">{t!(i18n, kpi.satisfaction)}</th>
                            <th scope="col">{t!(i18n, kpi.completion)}</th>
                            <th scope="col">{t!(i18n, kpi.response_in_time)}</th>
                            <th scope="col">{t!(i18n, kpi.complaints_in_time)}</th>
                            <th scope="col">{t!(i18n, kpi.reopened)}</th>
                        </tr></thead>
                        <tbody>
                            {move || results.get().into_iter().map(|(site, read)| {
                                let label = fill(t_string!(i18n, head_office.tickets), "site", &site);
                                let name = site.clone();
                                let cells = match read {
                                    SiteRead::Read(f) => figures_cells(i18n, &f).into_any(),
                                    SiteRead::Failed(why) => view! { <td colspan="6">{fill(&fill(t_string!(i18n, head_office.failed), "site", &site), "reason", &why)}</td> }.into_any(),
                                };
                                view! {
                                    <tr data-testid="head-office-site">
                                        <th scope="row"><button type="button" class="btn btn-link" aria-label=label on:click=move |_| show_tickets(name.clone())>{site.clone()}</button></th>
                                        {cells}
                                    </tr>
                                }
                            }).collect_view()}
                            <tr data-testid="head-office-total">
                                <th scope="row">{t!(i18n, head_office.total)}</th>
                                {move || figures_cells(i18n, &total())}
                            </tr>
                        </tbody>
                    </table>
                </Show>
                {move || listed.get().map(|(site, tickets)| match tickets {
                    Err(why) => view! { <p role="alert">{fill(&fill(t_string!(i18n, head_office.failed), "site", &site), "reason", &why)}</p> }.into_any(),
                    Ok(list) => {
                        let title = fill(&fill(t_string!(i18n, head_office.list_title), "site", &site), "count", &crate::domain::head_office::LIST_LIMIT.to_string());
                        let lang = ctx.lang.get();
                        let categories = ctx.site.with(|s| s.categories.clone());
                        let offset = scope.get_untracked().offset_min;
                        view! {
                            <table class="kpi-table" data-testid="head-office-tickets">
                                <caption>{title}</caption>
                                <thead><tr>
                                    <th scope="col">{t!(i18n, head_office.number)}</th>
                                    <th scope="col">{t!(i18n, head_office.category)}</th>
                                    <th scope="col">{t!(i18n, head_office.status)}</th>
                                    <th scope="col">{t!(i18n, head_office.received_at)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| view! {
                                        <tr data-testid="head-office-ticket">
                                            <th scope="row">{t.number}</th>
                                            <td>{category_text(i18n, &categories, &t.category)}</td>
                                            <td>{serde_json::from_value::<TicketStatus>(serde_json::Value::String(t.status.clone())).map(|s| status_text(i18n, s).to_owned()).unwrap_or(t.status)}</td>
                                            <td>{t.received_at.map(|at| format_datetime(lang, at, offset)).unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                })}
            </section>
        </Show>
    }
}
