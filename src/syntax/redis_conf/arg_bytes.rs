//! The bytes of one redis.conf argument as redis-server sees it, kept inline when short:
//! a 16 MiB file holds millions of arguments, most a few bytes long.

/// Bytes held inline up to this length (the size of the heap form, so inline costs nothing).
const INLINE: usize = 22;

/// An argument's unescaped bytes (`sdssplitargs` output): up to 22 bytes inline in the
/// value itself, longer ones in one heap allocation of exactly their length. Reads as a
/// `[u8]` (`Deref`); compares equal to byte slices, arrays and vectors.
#[derive(Clone)]
pub struct ArgBytes(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl ArgBytes {
    /// The bytes as a vector (a copy).
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_slice().to_vec()
    }

    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(b) => b,
        }
    }
}

impl From<&[u8]> for ArgBytes {
    fn from(v: &[u8]) -> Self {
        if v.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..v.len()].copy_from_slice(v);
            // In range: at most INLINE (22).
            ArgBytes(Repr::Inline { len: v.len() as u8, bytes })
        } else {
            ArgBytes(Repr::Heap(v.into()))
        }
    }
}

impl From<Vec<u8>> for ArgBytes {
    fn from(v: Vec<u8>) -> Self {
        if v.len() <= INLINE {
            ArgBytes::from(v.as_slice())
        } else {
            ArgBytes(Repr::Heap(v.into_boxed_slice()))
        }
    }
}

impl From<ArgBytes> for Vec<u8> {
    fn from(v: ArgBytes) -> Self {
        match v.0 {
            Repr::Heap(b) => b.into_vec(),
            Repr::Inline { .. } => v.to_vec(),
        }
    }
}

impl std::ops::Deref for ArgBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for ArgBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl std::borrow::Borrow<[u8]> for ArgBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl std::hash::Hash for ArgBytes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl PartialEq for ArgBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for ArgBytes {}

impl PartialEq<[u8]> for ArgBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[u8]> for ArgBytes {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for ArgBytes {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for ArgBytes {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialEq<Vec<u8>> for ArgBytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq<ArgBytes> for Vec<u8> {
    fn eq(&self, other: &ArgBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl std::fmt::Debug for ArgBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // As `Vec<u8>` prints, so test failures read the same as before.
        self.as_slice().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inline_long_on_the_heap_same_bytes() {
        for len in [0, 1, 21, 22, 23, 100] {
            let v: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let a = ArgBytes::from(v.as_slice());
            assert_eq!(a, v);
            assert_eq!(&*a, v.as_slice());
            assert_eq!(ArgBytes::from(v.clone()), a);
            assert_eq!(Vec::from(a.clone()), v);
            assert_eq!(matches!(a.0, Repr::Inline { .. }), len <= INLINE);
        }
        assert_eq!(std::mem::size_of::<ArgBytes>(), 24);
    }
}
