//! Inputs for the unit tests that hold two implementations to the same answers on many
//! generated inputs: random concatenations of pieces, reproducible from a seed. Tests only.

/// `count` inputs, the `n`th made of `1 + r % (base + n % spread)` of `pieces` (`r` each
/// time the generator's next number), each piece drawn by the next number. The generator is
/// Knuth's MMIX linear congruential one seeded with `seed`, its state's high 31 bits taken:
/// the same seed gives the same inputs on every machine, so a failure is reproducible.
pub(crate) fn joined_pieces(seed: u64, count: usize, (base, spread): (usize, usize), pieces: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..count)
        .map(|n| {
            let len = 1 + next() % (base + n % spread);
            (0..len).flat_map(|_| pieces[next() % pieces.len()].iter().copied()).collect()
        })
        .collect()
}

/// Every file under 1 MiB below `fixtures/` (and `fuzz/corpus/` where a fuzz run left one), as
/// `(path, bytes)`, in no set order: the real-world inputs the equivalence tests replay.
pub(crate) fn fixture_files() -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("fixtures"), root.join("fuzz/corpus")];
    let mut out = Vec::new();
    while let Some(p) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&p) else { continue };
        if m.is_dir() {
            stack.extend(std::fs::read_dir(&p).into_iter().flatten().flatten().map(|e| e.path()));
        } else if m.is_file() && m.len() < 1 << 20 {
            let bytes = std::fs::read(&p).unwrap_or_default();
            out.push((p, bytes));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_same_seed_gives_the_same_inputs_and_lengths_stay_in_bounds() {
        let pieces: [&[u8]; 3] = [b"a", b"bc", b""];
        let one = super::joined_pieces(7, 200, (2, 5), &pieces);
        assert_eq!(one, super::joined_pieces(7, 200, (2, 5), &pieces));
        assert_ne!(one, super::joined_pieces(8, 200, (2, 5), &pieces));
        assert!(one.iter().all(|i| i.len() <= 2 * (2 + 4)), "at most base + spread - 1 pieces of 2 bytes");
    }
}
