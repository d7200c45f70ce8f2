//! The dispatch board (派单看板): every ticket by status, filters and search kept in the URL,
//! and each next step one tap away. Only a page of each column (or of the list) is rendered,
//! so thousands of open tickets stay responsive.

mod action;
mod card;
pub(crate) mod data;
pub mod detail;

use std::sync::Arc;

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::app::board::{moves_with_the_clock, BoardLists, BoardRevisions};
use crate::domain::board::{status_key, BoardFilter, SortOrder, STATUSES};
use crate::domain::settings::Department;
use crate::domain::ticket::{TicketKind, TicketStatus};
use crate::domain::triage::Priority;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::settings::department_text;
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{category_text, kind_text, status_text};

use action::{ActionDialog, PendingAction};
use card::{SlaBadge, TicketCard};
use data::BoardItem;

use crate::domain::board::COLUMN_PAGE;
/// Rows per page of the list view.
const LIST_PAGE: usize = 50;

/// How many filters besides the search text are set (shown on the collapsed filter panel).
fn active_filters(f: &BoardFilter) -> usize {
    [
        f.status.is_some(),
        f.kind.is_some(),
        f.category.is_some(),
        f.department.is_some(),
        f.assignee.is_some(),
        f.priority.is_some(),
        f.overdue,
        f.from.is_some(),
        f.to.is_some(),
    ]
    .into_iter()
    .filter(|b| *b)
    .count()
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let query = use_query_map();
    // Local: the navigate function is not Send; storing it makes the handlers below Copy.
    let navigate = StoredValue::new_local(use_navigate());
    let filter = Memo::new(move |_| {
        query.with(|q| BoardFilter::from_query(q.latest_values().map(|(k, v)| (k.as_ref(), v))))
    });
    let set_filter = move |f: BoardFilter| {
        let qs: leptos_router::params::ParamsMap = f.to_query().into_iter().collect();
        let url = format!("/board{}", qs.to_query_string());
        navigate.with_value(|n| n(&url, NavigateOptions { replace: true, scroll: false, ..Default::default() }));
    };
    let update = move |change: &dyn Fn(&mut BoardFilter)| {
        let mut f = filter.get_untracked();
        change(&mut f);
        set_filter(f);
    };

    // The board shows as soon as the tickets are in the cache, or at once from the summary
    // when nothing narrows it (the summary holds the first page of each column as an
    // unfiltered board shows it); `data-settled` says when the events are in too.
    let preview_total = Memo::new(move |_| ctx.cache.with(|c| c.preview().map(|p| p.total())));
    let loaded = Memo::new(move |_| {
        ctx.cache.with(|c| c.tickets_loaded()) || (preview_total.get().is_some() && filter.with(|f| *f == BoardFilter::default()))
    });
    let settled = move || ctx.cache.with(|c| c.events_loaded());
    let pending: PendingAction = RwSignal::new(None);
    let status_message = RwSignal::new(None::<String>);

    let shown = Shown::new(ctx, filter);

    let select = move |id: &'static str, label: &'static str, options: Vec<(String, String)>, current: Signal<String>, on: Callback<String>| {
        view! {
            <div class="field filter-field">
                <label for=id>{label}</label>
                <select id=id prop:value=move || current.get() on:change=move |ev| on.run(event_target_value(&ev))>
                    <option value="">{t_string!(i18n, board.any)}</option>
                    {options.into_iter().map(|(v, text)| {
                        let selected = current.get_untracked() == v;
                        view! { <option value=v selected=selected>{text}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };

    let filters = move || {
        let _lang = ctx.lang.get();
        let site = ctx.site.get();
        view! {
            {select("f-status", t_string!(i18n, board.status),
                STATUSES.iter().map(|s| (status_key(*s).to_owned(), status_text(i18n, *s).to_owned())).collect(),
                Signal::derive(move || filter.get().status.map(|s| status_key(s).to_owned()).unwrap_or_default()),
                Callback::new(move |v: String| update(&|f| f.status = crate::domain::board::status_from_key(&v))))}
            {select("f-kind", t_string!(i18n, board.kind),
                TicketKind::ALL.iter().map(|k| (k.key().to_owned(), kind_text(i18n, *k).to_owned())).collect(),
                Signal::derive(move || filter.get().kind.map(|k| k.key().to_owned()).unwrap_or_default()),
                Callback::new(move |v: String| update(&|f| f.kind = TicketKind::from_key(&v))))}
            {select("f-category", t_string!(i18n, board.category),
                site.categories.iter().map(|c| (c.key.clone(), category_text(i18n, &site.categories, &c.key))).collect(),
                Signal::derive(move || filter.get().category.unwrap_or_default()),
                Callback::new(move |v: String| update(&|f| f.category = (!v.is_empty()).then(|| v.clone()))))}
            {select("f-department", t_string!(i18n, board.department),
                Department::ALL.iter().map(|d| (d.key().to_owned(), department_text(i18n, *d).to_owned())).collect(),
                Signal::derive(move || filter.get().department.map(|d| d.key().to_owned()).unwrap_or_default()),
                Callback::new(move |v: String| update(&|f| f.department = Department::from_key(&v))))}
            {select("f-assignee", t_string!(i18n, board.assignee),
                site.roster.iter().map(|m| (m.id.to_string(), m.name.clone())).collect(),
                Signal::derive(move || filter.get().assignee.map(|a| a.to_string()).unwrap_or_default()),
                Callback::new(move |v: String| update(&|f| f.assignee = uuid::Uuid::parse_str(&v).ok())))}
            {select("f-priority", t_string!(i18n, board.priority),
                Priority::ALL.iter().map(|p| (p.label().to_owned(), p.label().to_owned())).collect(),
                Signal::derive(move || filter.get().priority.map(|p| p.label().to_owned()).unwrap_or_default()),
                Callback::new(move |v: String| update(&|f| f.priority = Priority::ALL.into_iter().find(|p| p.label() == v))))}
        }
    };

    view! {
        <section class="board" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, nav.board)}</h1>
            <crate::ui::data::retention::RetentionOffer/>
            <p class="form-status" role="status" data-testid="board-status">{move || status_message.get()}</p>
            <div class="board-filters card" role="search" aria-label=move || t_string!(i18n, board.filters)>
                <div class="field filter-search">
                    <label for="f-search">{t!(i18n, board.search)}</label>
                    <input id="f-search" type="search" autocomplete="off" aria-describedby="f-search-hint"
                        prop:value=move || filter.get().text
                        on:input=move |ev| { let v = event_target_value(&ev); update(&|f| f.text = v.clone()) }/>
                    <p class="field-hint" id="f-search-hint">{t!(i18n, board.search_hint)}</p>
                </div>
                <details class="filter-more" prop:open=move || filter.with_untracked(|f| active_filters(f) > 0)>
                    <summary class="btn">{move || {
                        let n = filter.with(active_filters);
                        if n == 0 { t_string!(i18n, board.filters).to_string() } else { format!("{} ({n})", t_string!(i18n, board.filters)) }
                    }}</summary>
                    <div class="filter-grid">
                {filters}
                <div class="field filter-field">
                    <label for="f-from">{t!(i18n, board.from)}</label>
                    <input id="f-from" type="date" prop:value=move || filter.get().from.map(|d| d.to_string()).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); update(&|f| f.from = v.parse().ok()) }/>
                </div>
                <div class="field filter-field">
                    <label for="f-to">{t!(i18n, board.to)}</label>
                    <input id="f-to" type="date" prop:value=move || filter.get().to.map(|d| d.to_string()).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); update(&|f| f.to = v.parse().ok()) }/>
                </div>
                <label class="check">
                    <input type="checkbox" id="f-overdue" prop:checked=move || filter.get().overdue
                        on:change=move |ev| { let on = event_target_checked(&ev); update(&|f| f.overdue = on) }/>
                    <span>{t!(i18n, board.overdue)}</span>
                </label>
                <div class="filter-buttons">
                    <button type="button" class="btn" aria-pressed=move || (filter.get().assignee.is_some() && filter.get().assignee == ctx.on_duty.get()).to_string()
                        prop:disabled=move || ctx.on_duty.get().is_none()
                        on:click=move |_| { let me = ctx.on_duty.get_untracked(); update(&|f| f.assignee = if f.assignee == me { None } else { me }) }>
                        {t!(i18n, board.my_work)}
                    </button>
                    <button type="button" class="btn" on:click=move |_| set_filter(BoardFilter { list: filter.get_untracked().list, ..Default::default() })>
                        {t!(i18n, board.clear)}
                    </button>
                </div>
                    </div>
                </details>
            </div>
            <div class="board-bar">
                <p class="board-count" data-testid="board-count" aria-live="polite" data-settled=move || settled().to_string()>
                    {move || {
                        let n = preview_total.get().unwrap_or_else(|| shown.total());
                        let template = if n == 1 { t_string!(i18n, board.count_one) } else { t_string!(i18n, board.count) };
                        fill(template, "count", &crate::domain::locale::format_number(n as f64, 0))
                    }}
                </p>
                <div class="field filter-field">
                    <label for="f-sort">{t!(i18n, board.sort)}</label>
                    <select id="f-sort" prop:value=move || filter.get().sort.key()
                        on:change=move |ev| { let v = event_target_value(&ev); update(&|f| f.sort = SortOrder::from_key(&v).unwrap_or_default()) }>
                        <option value="newest">{move || t_string!(i18n, board.sort_newest)}</option>
                        <option value="deadline">{move || t_string!(i18n, board.sort_deadline)}</option>
                        <option value="priority">{move || t_string!(i18n, board.sort_priority)}</option>
                    </select>
                </div>
                <div class="view-toggle" role="group">
                    <button type="button" class="btn" aria-pressed=move || (!filter.get().list).to_string()
                        on:click=move |_| update(&|f| f.list = false)>{t!(i18n, board.columns)}</button>
                    <button type="button" class="btn" aria-pressed=move || filter.get().list.to_string()
                        on:click=move |_| update(&|f| f.list = true)>{t!(i18n, board.list)}</button>
                </div>
            </div>
            <Show when=move || loaded.get() fallback=move || view! { <p>{t!(i18n, board.loading)}</p> }>
                <Show when=move || { shown.total() != 0 } fallback=move || view! { <p class="empty">{t!(i18n, board.empty)}</p> }>
                    {move || if filter.get().list {
                        view! { <ListView shown=shown/> }.into_any()
                    } else {
                        view! { <Columns shown=shown pending=pending/> }.into_any()
                    }}
                </Show>
            </Show>
            <ActionDialog pending=pending on_done=move |m: String| status_message.set(Some(m))/>
        </section>
    }
}

/// The board's lists for the filter in the address, kept current by [`BoardLists`]: a change
/// moves the columns it touched, and only those redraw.
#[derive(Clone, Copy)]
struct Shown {
    lists: StoredValue<BoardLists>,
    revisions: Memo<BoardRevisions>,
}

impl Shown {
    fn new(ctx: crate::ui::context::AppContext, filter: Memo<BoardFilter>) -> Shown {
        let lists = StoredValue::new(BoardLists::new());
        // The moment the lists are judged at: taken when the filter changes, and once a
        // minute while the filter moves with the clock (deadline order, overdue) — never
        // inside a step, where sorting every ticket again would hold it up.
        let minute = RwSignal::new(0u64);
        let minute_taken = StoredValue::new(0u64);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                // `try_`: a lock tears the board down, and a timer may still be due in the
                // same turn.
                if filter.try_with_untracked(moves_with_the_clock) == Some(true) {
                    minute.try_update(|m| *m += 1);
                }
            },
            std::time::Duration::from_secs(60),
        ) {
            on_cleanup(move || handle.clear());
        }
        let revisions = Memo::new(move |_| {
            let f = filter.get();
            let m = minute.get();
            let clock_moved = minute_taken.get_value() != m;
            minute_taken.set_value(m);
            ctx.cache
                .with(|c| {
                    lists.try_update_value(|l| {
                        let now = if clock_moved || !l.shows(&f) { Utc::now() } else { l.judged_at() };
                        let rebuilds = l.rebuilds();
                        let revisions = l.refresh(c, &f, now);
                        // For the benchmarks: a change that sorted every ticket again.
                        if l.rebuilds() != rebuilds {
                            crate::platform::mark("pd-board-sorted");
                        }
                        revisions
                    })
                })
                .unwrap_or_default()
        });
        Shown { lists, revisions }
    }

    fn total(self) -> usize {
        // Read, not just tracked: a memo runs (and so refreshes the lists) only when read.
        let _revision = self.revisions.get();
        self.lists.with_value(|l| l.all().len())
    }

    /// What a column shows, redrawn when its own list moves.
    fn column(self, status: TicketStatus) -> Memo<usize> {
        let n = STATUSES.iter().position(|s| *s == status).unwrap_or(0);
        let revisions = self.revisions;
        Memo::new(move |_| revisions.with(|r| r.columns[n]) as usize)
    }
}

/// The stages after the work is done, shown as one column: a supervisor acts on them rarely
/// (a return visit, a close), and nine columns side by side did not fit a tablet.
const FINISHED: [TicketStatus; 3] = [TicketStatus::Resolved, TicketStatus::ReturnVisited, TicketStatus::Closed];

#[component]
fn Columns(shown: Shown, pending: PendingAction) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let moved = FINISHED.map(|s| shown.column(s));
    let finished_count = move || {
        FINISHED
            .iter()
            .zip(moved)
            .map(|(s, moved)| {
                let _revision = moved.get();
                ctx.cache
                    .with(|c| c.preview().map(|p| p.count(*s)))
                    .unwrap_or_else(|| shown.lists.with_value(|l| l.column(*s).len()))
            })
            .sum::<usize>()
    };
    view! {
        <div class="columns" data-testid="board-columns">
            {STATUSES.into_iter().filter(|s| !FINISHED.contains(s)).map(|status| view! { <Column status=status shown=shown pending=pending/> }).collect_view()}
            <section class="column column-group" aria-labelledby="col-finished" data-group="finished"
                class:column-empty=move || finished_count() == 0>
                <h2 id="col-finished" class="column-title">
                    {move || t_string!(i18n, board.finished)}
                    <span class="column-count">{finished_count}</span>
                </h2>
                {FINISHED.into_iter().map(|status| view! { <Column status=status shown=shown pending=pending part=true/> }).collect_view()}
            </section>
        </div>
    }
}

/// One status's tickets; `part` is a stage inside the finished column, headed one level down.
#[component]
fn Column(status: TicketStatus, shown: Shown, pending: PendingAction, #[prop(optional)] part: bool) -> impl IntoView {
    let i18n = use_i18n();
    let limit = RwSignal::new(COLUMN_PAGE);
    let moved = shown.column(status);
    let count = move || {
        let _revision = moved.get();
        shown.lists.with_value(|l| l.column(status).len())
    };
    // While a cold start shows the summary: the column's count from it.
    let ctx = use_app();
    let preview_count = move || ctx.cache.with(|c| c.preview().map(|p| p.count(status)));
    let heading_id = format!("col-{}", status_key(status));
    let labelled_by = heading_id.clone();
    let shown_count = move || preview_count().unwrap_or_else(count);
    let title = move || status_text(i18n, status);
    let heading = if part {
        view! { <h3 id=heading_id class="column-title column-part-title">{title}<span class="column-count">{shown_count}</span></h3> }.into_any()
    } else {
        view! { <h2 id=heading_id class="column-title">{title}<span class="column-count">{shown_count}</span></h2> }.into_any()
    };
    view! {
        // An empty column folds to a narrow strip, so the ones with work get the width.
        <section class=if part { "column-part" } else { "column" } aria-labelledby=labelled_by data-status=status_key(status)
            class:column-empty=move || shown_count() == 0>
            {heading}
            <div class="column-cards">
                // A card still shown after a keystroke is kept, not rebuilt; a ticket the cache
                // changed has a new revision, so only its card is drawn again.
                <For each=move || {
                        let _revision = moved.get();
                        let limit = limit.get();
                        shown.lists.with_value(|l| l.column(status).iter().take(limit).cloned().collect::<Vec<_>>())
                    }
                    key=|item| (item.id, item.rev)
                    children=move |item| view! { <TicketCard item=item pending=pending/> }/>
            </div>
            <Show when=move || { preview_count().is_none() && count() > limit.get() }>
                <button type="button" class="btn show-more" on:click=move |_| limit.update(|l| *l += COLUMN_PAGE)>
                    {move || fill(t_string!(i18n, board.show_more), "count", &COLUMN_PAGE.min(count().saturating_sub(limit.get())).to_string())}
                </button>
            </Show>
        </section>
    }
}

#[component]
fn ListView(shown: Shown) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let page = RwSignal::new(0usize);
    let pages = move || shown.total().div_ceil(LIST_PAGE).max(1);
    // A narrower filter may leave the current page past the end.
    Effect::new(move |_| {
        if page.get() >= pages() {
            page.set(pages() - 1);
        }
    });
    view! {
        <table class="ticket-table" data-testid="board-list">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, board.number)}</th>
                    <th scope="col">{t!(i18n, board.status)}</th>
                    <th scope="col">{t!(i18n, board.kind)}</th>
                    <th scope="col">{t!(i18n, board.category)}</th>
                    <th scope="col">{t!(i18n, board.priority)}</th>
                    <th scope="col">{t!(i18n, board.received)}</th>
                    <th scope="col">{t!(i18n, board.time_left)}</th>
                </tr>
            </thead>
            <tbody>
                {move || {
                    let cats = ctx.site.with(|s| s.categories.clone());
                    let lang = ctx.lang.get();
                    let page = page.get();
                    let _revision = shown.revisions.get();
                    let rows: Vec<Arc<BoardItem>> = shown.lists.with_value(|l| l.all().iter().skip(page * LIST_PAGE).take(LIST_PAGE).cloned().collect());
                    rows.into_iter().map(|item| {
                        let t = item.ticket.clone();
                        let state = item.state.clone();
                        let kind = t.kind;
                        view! {
                            <tr data-testid="ticket-row">
                                <td><leptos_router::components::A href=format!("/ticket/{}", item.id)>{t.number.clone()}</leptos_router::components::A></td>
                                <td>{status_text(i18n, state.status)}</td>
                                <td>{kind_text(i18n, kind)}</td>
                                <td>{category_text(i18n, &cats, &t.category)}</td>
                                <td>{state.priority.label()}</td>
                                <td>{crate::domain::locale::format_datetime(lang, t.received_at, t.utc_offset_min)}</td>
                                <td><SlaBadge state=Signal::derive(move || state.clone())/></td>
                            </tr>
                        }
                    }).collect_view()
                }}
            </tbody>
        </table>
        <nav class="pager" aria-label=move || fill(&fill(t_string!(i18n, board.page), "page", &(page.get() + 1).to_string()), "pages", &pages().to_string())>
            <button type="button" class="btn" prop:disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>{t!(i18n, board.prev)}</button>
            <span>{move || fill(&fill(t_string!(i18n, board.page), "page", &(page.get() + 1).to_string()), "pages", &pages().to_string())}</span>
            <button type="button" class="btn" prop:disabled=move || page.get() + 1 >= pages() on:click=move |_| page.update(|p| *p += 1)>{t!(i18n, board.next)}</button>
        </nav>
    }
}
