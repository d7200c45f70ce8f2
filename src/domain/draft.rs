//! Unsaved form state kept on the device, so a tab killed mid-form (a call, a dead battery,
//! a basement with the browser evicting the tab) costs nothing that was typed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One form's unsaved fields. There is at most one draft per form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Which form: a fixed name such as `"site-settings"` or `"intake"`, or one per record
    /// (`"ticket-edit/<id>"`).
    pub form: String,
    /// When it was last written, UTC milliseconds (shown to the user in local time).
    pub saved_at_ms: i64,
    /// The form's fields, as the form serialises them.
    pub fields: Value,
}

impl Draft {
    /// Whether this draft is worth offering back: it holds something the form would not
    /// show anyway. A draft equal to what the form starts with is just noise.
    pub fn differs_from(&self, pristine: &Value) -> bool {
        &self.fields != pristine
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_draft_equal_to_the_pristine_form_is_not_offered() {
        let d = Draft { form: "intake".into(), saved_at_ms: 1, fields: json!({"unit": "3-2-1201"}) };
        assert!(d.differs_from(&json!({"unit": ""})));
        assert!(!d.differs_from(&json!({"unit": "3-2-1201"})));
    }
}
