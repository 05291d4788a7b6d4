//! Where a config error is: spans from `toml`'s `DeTable` turned into `file:line:col`, the
//! layer that set a key, and the nearest valid key for a typo.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{ConfigError, Layer};

/// Errors for each unknown key of `table`, the first one found, with the nearest valid key.
pub(crate) fn unknown_keys(
    layer: &Layer,
    table: &DeTable<'_>,
    valid: &[&str],
    place: &str,
) -> Result<(), ConfigError> {
    for (key, _) in table.iter() {
        let name: &str = key.get_ref();
        if valid.contains(&name) {
            continue;
        }
        let advice = match nearest(name, valid) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("valid keys: {}", valid.join(", ")),
        };
        return Err(error_at(
            layer,
            Some(key.span()),
            format!("unknown key `{name}` {place}; {advice}"),
        ));
    }
    Ok(())
}

/// The valid key closest to `name`: among keys that have every `_`-separated word of `name`
/// (`max_tokens` is a shortened `max_input_tokens` more likely than a misspelled `max_lines`),
/// if any, else among all; by edit distance, if it is close enough to be a typo.
pub(crate) fn nearest<'a>(name: &str, valid: &[&'a str]) -> Option<&'a str> {
    let has_words = |v: &str| name.split('_').all(|w| v.split('_').any(|x| x == w));
    let closest =
        |keys: &mut dyn Iterator<Item = &&'a str>| keys.map(|v| (edit_distance(name, v), *v)).min();
    let by_words = closest(&mut valid.iter().filter(|v| has_words(v)));
    by_words
        .or_else(|| {
            closest(&mut valid.iter()).filter(|(d, v)| *d <= (v.chars().count() / 2).max(2))
        })
        .map(|(_, v)| v)
}

/// Levenshtein distance over characters. O(|a|·|b|).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// An error at `path` in the last layer that sets it (or the last layer, without a place).
/// Arrays are replaced whole between layers, so the last layer that has an array index is
/// the one the merged array came from.
pub(crate) fn located(layers: &[Layer], path: &[&str], message: String) -> ConfigError {
    for layer in layers.iter().rev() {
        let Ok(doc) = DeTable::parse(&layer.text) else {
            continue;
        };
        if let Some(span) = span_of(doc.get_ref(), path) {
            return error_at(layer, Some(span), message);
        }
    }
    ConfigError {
        source_name: layers
            .last()
            .map_or_else(|| "config".to_string(), |l| l.source_name.clone()),
        line_col: None,
        message,
    }
}

/// The span of the value at `path` (of its key, where the value is a table: a `[header]`'s
/// table spans nothing useful). A path segment indexes an array where the value is one.
pub(crate) fn span_of(doc: &DeTable<'_>, path: &[&str]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let (key, value) = doc.get_key_value(*first)?;
    descend(key.span(), value.get_ref(), value.span(), rest)
}

fn descend(
    key_span: Range<usize>,
    value: &DeValue<'_>,
    value_span: Range<usize>,
    rest: &[&str],
) -> Option<Range<usize>> {
    let Some((next, rest)) = rest.split_first() else {
        return Some(match value {
            DeValue::Table(_) => key_span,
            _ => value_span,
        });
    };
    match value {
        DeValue::Table(table) => {
            let (key, value) = table.get_key_value(*next)?;
            descend(key.span(), value.get_ref(), value.span(), rest)
        }
        DeValue::Array(items) => {
            let item = items.get(next.parse::<usize>().ok()?)?;
            // An element has no key: where it is a table, its own span is the best place.
            descend(item.span(), item.get_ref(), item.span(), rest)
        }
        _ => None,
    }
}

pub(crate) fn error_at(layer: &Layer, span: Option<Range<usize>>, message: String) -> ConfigError {
    ConfigError {
        source_name: layer.source_name.clone(),
        line_col: span.map(|s| line_col(&layer.text, s.start)),
        message,
    }
}

/// 1-based line and column (in characters) of byte `offset`; an offset past the end or
/// inside a character counts as the nearest character boundary before it.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('x').unwrap_or(0)), (2, 9));
        assert_eq!(line_col(text, 10_000), (3, 1));
    }

    #[test]
    fn nearest_suggests_typos_only() {
        let keys = &["kind", "base_url", "api_key_env", "api_key_cmd"];
        assert_eq!(nearest("kidn", keys), Some("kind"));
        assert_eq!(nearest("api_key_evn", keys), Some("api_key_env"));
        assert_eq!(nearest("colour", keys), None);
        assert_eq!(nearest("url", keys), Some("base_url"));
        let when = &["max_lines", "max_input_tokens", "min_input_tokens"];
        assert_eq!(nearest("max_tokens", when), Some("max_input_tokens"));
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn span_of_walks_tables_and_arrays() {
        let text = "[[rules]]\nrole = \"plan\"\nuse = [\"a\", \"b\"]\n";
        let doc = DeTable::parse(text).unwrap();
        let span = span_of(doc.get_ref(), &["rules", "0", "use", "1"]).unwrap();
        assert_eq!(&text[span], "\"b\"");
        assert_eq!(span_of(doc.get_ref(), &["rules", "1"]), None);
        assert_eq!(span_of(doc.get_ref(), &["rules", "x"]), None);
    }
}
