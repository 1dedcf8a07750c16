//! Line diffs from `similar`, with every op's indices recomputed from the ops' order and
//! lengths: similar 2.7's Myers gives a `Delete` a wrong `new_index` and an `Insert` a wrong
//! `old_index` on some inputs (mitsuhiko/similar#78), which would misplace hunks and edits.

use similar::{Algorithm, DiffOp};

/// The ops turning `old` into `new` (Myers; coarser but still right past `deadline`), each
/// op's indices on both sides consistent with the ops before it.
pub fn line_ops<T: Eq + std::hash::Hash + Ord>(
    old: &[T],
    new: &[T],
    deadline: Option<std::time::Instant>,
) -> Vec<DiffOp> {
    let ops = similar::capture_diff_slices_deadline(Algorithm::Myers, old, new, deadline);
    let (mut o, mut n) = (0, 0);
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        // Only each op's own lengths are trusted.
        let fixed = match op {
            DiffOp::Equal { len, .. } => DiffOp::Equal { old_index: o, new_index: n, len },
            DiffOp::Delete { old_len, .. } => DiffOp::Delete { old_index: o, old_len, new_index: n },
            DiffOp::Insert { new_len, .. } => DiffOp::Insert { old_index: o, new_index: n, new_len },
            DiffOp::Replace { old_len, new_len, .. } => {
                DiffOp::Replace { old_index: o, old_len, new_index: n, new_len }
            }
        };
        let (_, old_range, new_range) = fixed.as_tag_tuple();
        (o, n) = (old_range.end, new_range.end);
        out.push(fixed);
    }
    debug_assert!(o == old.len() && n == new.len(), "ops cover both sides");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_indices_follow_the_ops() {
        // similar#78's shape: Myers says Delete{new_index: 3} and Insert{old_index: 1}.
        let old: Vec<&[u8]> = vec![b"a\n", b";\n", b"\n"];
        let new: Vec<&[u8]> = vec![b"\n"; 5];
        let ops: Vec<_> = super::line_ops(&old, &new, None).iter().map(|op| op.as_tag_tuple()).collect();
        use similar::DiffTag::*;
        assert_eq!(ops, [(Delete, 0..2, 0..0), (Equal, 2..3, 0..1), (Insert, 3..3, 1..5)]);
    }
}
