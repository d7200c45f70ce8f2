//! Drills view. The feature is not built yet; the view says so.

use leptos::prelude::*;

use crate::ui::i18n::{t_string, use_i18n};
use crate::ui::widgets::{Feature, NotBuilt};

#[component]
pub fn DrillsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! { <NotBuilt feature=Feature::Drills title=Signal::derive(move || t_string!(i18n, nav.drills).to_string())/> }
}
