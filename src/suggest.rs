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

/// Whether [`did_you_mean`] could offer `known` for `name`: `name` is not too long and its
/// edit distance to `known` is between 1 and `max(2, len/6)`.
pub fn is_typo_of(name: &str, known: &str) -> bool {
    if name.len() > MAX_SUGGESTED_NAME {
        return false;
    }
    let bound = 2.max(known.len() / 6);
    let chars = |s: &str| if s.is_ascii() { s.len() } else { s.chars().count() };
    if chars(name).abs_diff(chars(known)) > bound {
        return false;
    }
    if too_many_letters_apart(name, known, bound) {
        return false;
    }
    let d = edit_distance(name, known);
    d > 0 && d <= bound
}

/// Whether `a` and `b`, both ASCII, are surely more than `bound` edits apart: one edit
/// removes at most one byte from either side of the bytes they do not share (counted as
/// multisets). A cheap test that spares most pairs the quadratic distance; `false` for
/// non-ASCII input (a character is several bytes there).
pub fn too_many_letters_apart(a: &str, b: &str, bound: usize) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return false;
    }
    let mut count = [0i32; 128];
    for &c in b.as_bytes() {
        count[usize::from(c)] += 1;
    }
    let mut extra = 0;
    for &c in a.as_bytes() {
        let n = &mut count[usize::from(c)];
        if *n > 0 {
            *n -= 1;
        } else {
            extra += 1;
            if extra > bound {
                return true;
            }
        }
    }
    false
}

/// Levenshtein distance in characters (the `strsim` crate's), for did-you-mean suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}
