//! The two catalogues must say the same things: every key in both, no empty text, and the
//! same `{placeholders}` (filled by the UI) on both sides. leptos_i18n only warns about a
//! missing key at compile time; this test makes it a failure.

use std::collections::BTreeMap;

use serde_json::Value;

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => panic!("{prefix}: catalogue values must be text, found {other}"),
    }
}

fn catalogue(lang: &str) -> BTreeMap<String, String> {
    let path = format!("{}/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = BTreeMap::new();
    flatten("", &json, &mut out);
    out
}

fn placeholders(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        found.push(rest[start..start + len + 1].to_owned());
        rest = &rest[start + len + 1..];
    }
    found.sort();
    found
}

#[test]
fn both_languages_have_the_same_keys_and_placeholders() {
    let en = catalogue("en");
    let zh = catalogue("zh-CN");
    let only_en: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
    let only_zh: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(only_en.is_empty(), "missing in zh-CN: {only_en:?}");
    assert!(only_zh.is_empty(), "missing in en: {only_zh:?}");
    for (key, en_text) in &en {
        let zh_text = &zh[key];
        assert!(!en_text.trim().is_empty(), "empty en text for {key}");
        assert!(!zh_text.trim().is_empty(), "empty zh-CN text for {key}");
        assert_eq!(placeholders(en_text), placeholders(zh_text), "placeholders differ for {key}");
    }
}

#[test]
fn chinese_catalogue_is_actually_chinese() {
    // A copy-pasted English string in the zh-CN file is the most common slip. Entries that
    // are only placeholders and punctuation ("{number}：{status}。") have nothing to translate.
    let zh = catalogue("zh-CN");
    let has_words = |text: &str| {
        let mut depth = 0;
        text.chars().any(|c| {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => return depth == 0 && c.is_alphabetic(),
            }
            false
        })
    };
    let untranslated: Vec<_> = zh
        .iter()
        .filter(|(_, text)| has_words(text) && !text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
        .map(|(k, _)| k.clone())
        .collect();
    assert!(untranslated.is_empty(), "zh-CN entries with no Chinese: {untranslated:?}");
}
