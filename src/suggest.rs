//! Did-you-mean: the closest known name to a mistyped one, by edit distance (Levenshtein
//! over characters), for unknown directives, Magento keys, save_path parameters and handlers.

/// Names longer than this get no did-you-mean: no known name is within a typo of them,
/// and edit distance costs the product of the lengths (a 1 MB name took 9 s per line).
const MAX_SUGGESTED_NAME: usize = 64;

/// The closest known name, when it is close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    if name.len() > MAX_SUGGESTED_NAME {
        return None;
    }
    let chars = name.chars().count();
    known
        // The length difference bounds the distance from below: most names are skipped
        // without the quadratic comparison.
        .filter(|k| chars.abs_diff(k.chars().count()) <= 2.max(k.len() / 6))
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, k)| *d > 0 && *d <= 2.max(k.len() / 6))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_owned())
}

/// Levenshtein distance in characters (the `strsim` crate's), for did-you-mean suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}
