//! A workflow step from the board or a ticket's page: the use case writes it, the cache
//! applies what it committed.

use uuid::Uuid;

pub use crate::app::cache::BoardItem;
use crate::app::workflow::{self, StepError};
use crate::domain::ticket::TicketStatus;
use crate::domain::workflow::Action;
use crate::ui::context::AppContext;
use crate::ui::live;

/// Writes one step, or steps taken together, checked against the ticket as stored, in one
/// transaction. Returns the status reached.
pub async fn perform(ctx: AppContext, ticket: Uuid, steps: Vec<(Action, String)>) -> Result<TicketStatus, StepError> {
    let store = ctx.store()?;
    // Marks for the benchmarks: where a step's time goes (storage, or the views after it).
    crate::platform::mark("pd-step-begin");
    let done = workflow::perform_steps(&store, &ctx, ctx.who(), ctx.role(), ticket, steps).await?;
    crate::platform::mark("pd-step-stored");
    live::commit(ctx, &done.changed);
    crate::platform::mark("pd-step-applied");
    Ok(done.reached)
}
