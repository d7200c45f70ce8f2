//! Spreadsheet downloads for head office: one CSV per record kind, headers and terms in the
//! chosen language, times in local time (UTF-8 with BOM; see `domain::spreadsheet`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::locale::to_local;
use crate::domain::spreadsheet::{csv, Cell, Sheet as Table};
use crate::platform::files;
use crate::ui::context::{use_app, AppContext};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::shell::store_error_text;
use crate::ui::settings::department_text;
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{action_text, category_text, channel_text, kind_text, status_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sheet {
    Tickets,
    Steps,
    Plans,
    Runs,
    /// Improvement measures with their tracked result.
    Measures,
    /// Every kind plus the KPI summary, as one XLSX workbook.
    Workbook,
}

fn local_time(t: chrono::DateTime<chrono::Utc>, offset: i32) -> Cell {
    Cell::Date(to_local(t, offset).naive_local())
}

async fn build(ctx: AppContext, i18n: I18n, sheet: Sheet) -> Result<(String, Vec<u8>), String> {
    let site = ctx.site.get_untracked();
    let date = to_local(chrono::Utc::now(), crate::platform::utc_offset_minutes()).format("%Y%m%d");
    let code = if site.site_code.is_empty() { "SITE".to_owned() } else { site.site_code.clone() };
    if sheet == Sheet::Workbook {
        let mut tables = Vec::new();
        for s in [Sheet::Tickets, Sheet::Steps, Sheet::Plans, Sheet::Runs, Sheet::Measures] {
            tables.push(table(ctx, i18n, s).await?);
        }
        tables.insert(0, kpi_summary(ctx, i18n).await?);
        return Ok((format!("patroldesk-{code}-{date}.xlsx"), crate::platform::xlsx::workbook(&tables).await?));
    }
    let t = table(ctx, i18n, sheet).await?;
    let name = match sheet {
        Sheet::Tickets => "tickets",
        Sheet::Steps => "steps",
        Sheet::Plans => "drill-plans",
        Sheet::Measures => "improvements",
        _ => "drill-runs",
    };
    Ok((format!("patroldesk-{code}-{name}-{date}.csv"), csv(&t.headers, &t.rows)))
}

/// Every ticket with its history, from the live cache (once the events are in), in the
/// order they were taken in.
async fn settled_items(ctx: AppContext, i18n: I18n) -> Result<Vec<std::sync::Arc<crate::app::cache::BoardItem>>, String> {
    crate::ui::live::events_loaded(ctx).await.map_err(|e| store_error_text(i18n, &e).to_owned())?;
    Ok(ctx.cache.with_untracked(|c| {
        let mut items: Vec<_> = c.tickets().cloned().collect();
        items.sort_by_key(|i| (i.created_at, i.id));
        items
    }))
}

/// The KPI summary sheet: the last 30 days against the site's targets.
async fn kpi_summary(ctx: AppContext, i18n: I18n) -> Result<Table, String> {
    use crate::domain::kpi::{compute, PeriodChoice, Scope};
    let items = settled_items(ctx, i18n).await?;
    let runs = crate::ui::drills::data::runs(ctx);
    let now = chrono::Utc::now();
    let offset = crate::platform::utc_offset_minutes();
    let scope = Scope { period: PeriodChoice::Last30.period(now, offset), now, offset_min: offset };
    let targets = ctx.site.get_untracked().targets;
    let tickets: Vec<_> = items.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
    let run_refs: Vec<_> = runs.iter().map(|(_, r)| r).collect();
    let k = compute(&tickets, &run_refs, &scope, &targets);
    let pct = |r: crate::domain::kpi::Rate| r.percent().map(Cell::Number).unwrap_or(Cell::Empty);
    let n = |v: f64| Cell::Number(v);
    let rows = vec![
        vec![t_string!(i18n, kpi.satisfaction).into(), pct(k.satisfaction), n(targets.satisfaction_pct.into())],
        vec![t_string!(i18n, kpi.complaints_in_time).into(), pct(k.complaints_48h), n(targets.complaints_in_time_pct.into())],
        vec![t_string!(i18n, kpi.response_in_time).into(), pct(k.response_24h), n(targets.response_pct.into())],
        vec![t_string!(i18n, kpi.completion).into(), pct(k.completion), n(targets.completion_pct.into())],
        vec![t_string!(i18n, kpi.per_day).into(), n(k.per_day), n(targets.per_day.into())],
        vec![t_string!(i18n, kpi.complaints).into(), n(k.complaints as f64), n(targets.complaints_per_month.into())],
        vec![t_string!(i18n, kpi.overdue).into(), n(k.overdue_now as f64), Cell::Empty],
        vec![t_string!(i18n, kpi.reopened).into(), pct(k.reopened), Cell::Empty],
    ];
    Ok(Table {
        name: t_string!(i18n, sheets.kpi_sheet).into(),
        headers: vec![t_string!(i18n, sheets.kpi).into(), t_string!(i18n, sheets.value).into(), t_string!(i18n, sheets.target_value).into()],
        rows,
    })
}

async fn table(ctx: AppContext, i18n: I18n, sheet: Sheet) -> Result<Table, String> {
    let site = ctx.site.get_untracked();
    let staff = |id: Option<uuid::Uuid>| id.and_then(|id| site.staff(id).map(|m| m.name.clone())).unwrap_or_default();
    let lang = ctx.lang.get_untracked();
    let h = |keys: &[&'static str]| keys.iter().map(|k| k.to_string()).collect::<Vec<String>>();
    let (name, headers, rows) = match sheet {
        Sheet::Tickets | Sheet::Steps | Sheet::Workbook => {
            let items = settled_items(ctx, i18n).await?;
            if sheet == Sheet::Tickets {
                let headers = h(&[
                    t_string!(i18n, sheets.number), t_string!(i18n, sheets.kind), t_string!(i18n, sheets.status), t_string!(i18n, sheets.category),
                    t_string!(i18n, sheets.priority), t_string!(i18n, sheets.reporter), t_string!(i18n, sheets.unit), t_string!(i18n, sheets.phone),
                    t_string!(i18n, sheets.channel), t_string!(i18n, sheets.location), t_string!(i18n, sheets.description), t_string!(i18n, sheets.received),
                    t_string!(i18n, sheets.respond_by), t_string!(i18n, sheets.resolve_by), t_string!(i18n, sheets.department), t_string!(i18n, sheets.assignee),
                    t_string!(i18n, sheets.resolved_at), t_string!(i18n, sheets.score), t_string!(i18n, sheets.comment),
                ]);
                let rows: Vec<Vec<Cell>> = items
                    .iter()
                    .map(|i| {
                        let (t, s) = (&i.ticket, &i.state);
                        let off = t.utc_offset_min;
                        vec![
                            Cell::from(t.number.as_str()),
                            kind_text(i18n, t.kind).into(),
                            status_text(i18n, s.status).into(),
                            category_text(i18n, &site.categories, &t.category).into(),
                            s.priority.label().into(),
                            t.reporter_name.as_str().into(),
                            t.unit.as_str().into(),
                            t.phone.as_str().into(),
                            channel_text(i18n, t.channel).into(),
                            t.location.as_str().into(),
                            t.description.as_str().into(),
                            local_time(t.received_at, off),
                            local_time(t.respond_by, off),
                            local_time(t.resolve_by, off),
                            s.department.map(|d| department_text(i18n, d)).unwrap_or_default().into(),
                            staff(s.assignee).into(),
                            s.resolved_at.map(|r| local_time(r, off)).unwrap_or(Cell::Empty),
                            s.return_visit.as_ref().map(|v| Cell::Number(f64::from(v.score))).unwrap_or(Cell::Text(String::new())),
                            s.return_visit.as_ref().map(|v| v.comment.clone()).unwrap_or_default().into(),
                        ]
                    })
                    .collect();
                (t_string!(i18n, sheets.tickets_sheet), headers, rows)
            } else {
                let headers = h(&[t_string!(i18n, sheets.number), t_string!(i18n, sheets.time), t_string!(i18n, sheets.step), t_string!(i18n, sheets.by), t_string!(i18n, sheets.status), t_string!(i18n, sheets.note)]);
                let rows: Vec<Vec<Cell>> = items
                    .iter()
                    .flat_map(|i| {
                        i.state.history.iter().map(move |e| (i.ticket.number.clone(), e.event.clone()))
                    })
                    .map(|(number, e)| {
                        vec![
                            Cell::from(number),
                            local_time(e.at, e.utc_offset_min),
                            action_text(i18n, e.action.key()).into(),
                            staff(e.by).into(),
                            status_text(i18n, e.to).into(),
                            e.note.into(),
                        ]
                    })
                    .collect();
                (t_string!(i18n, sheets.steps_sheet), headers, rows)
            }
        }
        Sheet::Plans => {
            let plans = crate::ui::drills::data::plans(ctx);
            let headers = h(&[t_string!(i18n, sheets.plan), t_string!(i18n, sheets.plan_type), t_string!(i18n, sheets.target), t_string!(i18n, sheets.steps_count), t_string!(i18n, sheets.interval), t_string!(i18n, sheets.retired)]);
            let rows: Vec<Vec<Cell>> = plans
                .iter()
                .map(|(_, p)| {
                    vec![
                        Cell::from(p.name.get(lang)),
                        crate::ui::drills::plan_type_text(i18n, p.plan_type).into(),
                        Cell::Number(f64::from(p.target_min)),
                        Cell::Number(p.steps.len() as f64),
                        Cell::Number(f64::from(p.interval())),
                        (if p.retired { t_string!(i18n, sheets.yes) } else { "" }).into(),
                    ]
                })
                .collect();
            (t_string!(i18n, sheets.plans_sheet), headers, rows)
        }
        Sheet::Measures => {
            use crate::domain::improvement::{effect, Effect};
            use crate::ui::kpi::measures::{addresses_text, figure, kpi_text, status_text as measure_status};
            let items = settled_items(ctx, i18n).await?;
            let tickets: Vec<_> = items.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
            let (now, offset) = (chrono::Utc::now(), crate::platform::utc_offset_minutes());
            let headers = h(&[
                t_string!(i18n, measures.measure), t_string!(i18n, measures.owner), t_string!(i18n, measures.addresses), t_string!(i18n, measures.kpi),
                t_string!(i18n, measures.target), t_string!(i18n, measures.start), t_string!(i18n, measures.review), t_string!(i18n, measures.status),
                t_string!(i18n, measures.before), t_string!(i18n, measures.after), t_string!(i18n, measures.change), t_string!(i18n, measures.target_met),
                t_string!(i18n, measures.notes),
            ]);
            let measures = ctx.cache.with_untracked(|c| c.measures());
            let rows: Vec<Vec<Cell>> = measures
                .iter()
                .map(|m| {
                    let x = &m.1;
                    let date = |d: chrono::NaiveDate| Cell::Date(d.and_hms_opt(0, 0, 0).unwrap_or_default());
                    let number = |v: Option<f64>| v.map(Cell::Number).unwrap_or(Cell::Empty);
                    let (before, after, change, met) = match effect(x, &tickets, now, offset, &site.targets) {
                        Effect::Measured(r) => (number(r.value_before), number(r.value_after), number(r.change), match r.met {
                            Some(true) => t_string!(i18n, measures.met).into(),
                            Some(false) => t_string!(i18n, measures.not_met).into(),
                            None => Cell::Empty,
                        }),
                        Effect::NotStarted => (Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty),
                    };
                    vec![
                        Cell::from(x.measure.as_str()),
                        staff(x.owner).into(),
                        addresses_text(i18n, ctx, x).into(),
                        kpi_text(i18n, x.kpi).into(),
                        Cell::from(figure(i18n, x.kpi, Some(x.target)).as_str()),
                        date(x.start),
                        date(x.review),
                        measure_status(i18n, x.status).into(),
                        before,
                        after,
                        change,
                        met,
                        x.notes.as_str().into(),
                    ]
                })
                .collect();
            (t_string!(i18n, measures.title), headers, rows)
        }
        Sheet::Runs => {
            let runs = crate::ui::drills::data::runs(ctx);
            let own_site = ctx.site.with_untracked(|s| s.site_code.clone());
            let headers = h(&[
                t_string!(i18n, sheets.plan),
                t_string!(i18n, kpi.site),
                t_string!(i18n, drills.mode),
                t_string!(i18n, sheets.started),
                t_string!(i18n, sheets.location),
                t_string!(i18n, sheets.minutes),
                t_string!(i18n, sheets.target),
                t_string!(i18n, sheets.steps_done),
                t_string!(i18n, sheets.steps_late),
                t_string!(i18n, sheets.findings),
                t_string!(i18n, drills.organiser),
                t_string!(i18n, drills.commander),
                t_string!(i18n, drills.headcount_col),
                t_string!(i18n, drills.evacuated),
                t_string!(i18n, drills.notice),
                t_string!(i18n, drills.weather),
                t_string!(i18n, sheets.contractor_min),
                t_string!(i18n, sheets.signed_by),
            ]);
            let now = chrono::Utc::now();
            let rows: Vec<Vec<Cell>> = runs
                .iter()
                .map(|(_, r)| {
                    let st = r.state(now);
                    vec![
                        Cell::from(r.plan.name.get(lang)),
                        (if r.site.is_empty() { own_site.as_str() } else { r.site.as_str() }).into(),
                        crate::ui::drills::mode_text(i18n, r.mode).into(),
                        local_time(r.started_at, r.utc_offset_min),
                        r.location.as_str().into(),
                        Cell::Number(st.elapsed.num_seconds() as f64 / 60.0),
                        Cell::Number(f64::from(r.plan.target_min)),
                        Cell::Number(st.done as f64),
                        Cell::Number(st.late as f64),
                        st.findings.iter().map(|f| f.text.clone()).collect::<Vec<_>>().join("; ").into(),
                        r.record.organiser.as_str().into(),
                        r.record.commander.as_str().into(),
                        Cell::Number(f64::from(r.record.headcount())),
                        r.record.evacuated.map_or(Cell::from(""), |n| Cell::Number(f64::from(n))),
                        r.record.notice.map_or("", |n| match n {
                            crate::domain::drill::record::Notice::Announced => t_string!(i18n, drills.notice_announced),
                            crate::domain::drill::record::Notice::Unannounced => t_string!(i18n, drills.notice_unannounced),
                        }).into(),
                        r.record.weather.as_str().into(),
                        st.contractor_arrived.map_or(Cell::from(""), |at| Cell::Number((at - r.started_at).num_seconds() as f64 / 60.0)),
                        st.signed_off.map(|s| s.name).unwrap_or_default().into(),
                    ]
                })
                .collect();
            (t_string!(i18n, sheets.runs_sheet), headers, rows)
        }
    };
    Ok(Table { name: name.to_owned(), headers, rows })
}

#[component]
pub fn SheetsCard() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let start = move |sheet: Sheet| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = build(ctx, i18n, sheet).await.and_then(|(name, bytes)| {
                let mime = if name.ends_with(".xlsx") { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" } else { "text/csv;charset=utf-8" };
                files::download_bytes(&bytes, &name, mime).map_err(|_| t_string!(i18n, sync.browser_refused).to_owned())?;
                Ok(name)
            });
            status.set(Some(match result {
                Ok(name) => fill(t_string!(i18n, sheets.saved), "file", &name),
                Err(e) => fill(t_string!(i18n, sync.export_failed), "reason", &e),
            }));
            busy.set(false);
        });
    };
    view! {
        <div class="card" data-testid="sheets">
            <h2>{t!(i18n, sheets.title)}</h2>
            <p>{t!(i18n, sheets.hint)}</p>
            <div class="form-actions">
                <button type="button" class="btn btn-primary" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(Sheet::Workbook)>{t!(i18n, sheets.workbook)}</button>
                <button type="button" class="btn" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(Sheet::Tickets)>{t!(i18n, sheets.tickets)}</button>
                <button type="button" class="btn" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(Sheet::Steps)>{t!(i18n, sheets.steps)}</button>
                <button type="button" class="btn" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(Sheet::Plans)>{t!(i18n, sheets.plans)}</button>
                <button type="button" class="btn" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(Sheet::Runs)>{t!(i18n, sheets.runs)}</button>
                <button type="button" class="btn" prop:disabled=move || busy.get() || !ctx.loaded.get() on:click=move |_| start(Sheet::Measures)>{t!(i18n, measures.title)}</button>
            </div>
            <p role="status" data-testid="sheets-status">{move || status.get()}</p>
        </div>
    }
}
