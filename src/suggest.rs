//! Did-you-mean: the closest known name to a mistyped one, by edit distance (Levenshtein
//! over characters), for unknown directives and unknown Magento keys.

/// Names longer than this get no did-you-mean: no known name is within a typo of them,
/// and edit distance costs the product of the lengths (a 1 MB name took 9 s per line).
const MAX_SUGGESTED_NAME: usize = 64;

/// The closest known name, when it is close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    if name.len() > MAX_SUGGESTED_NAME {
        return None;
    }
    known
        .map(|k| (strsim_distance(name, k), k))
        .filter(|(d, k)| *d > 0 && *d <= 2.max(k.len() / 6))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_owned())
}

fn strsim_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}
