//! One small sort for the whole crate. The standard library's sorts are fast but large: each
//! element type gets its own copy of quicksort, drift sort and merging, about 6 KB apiece in
//! the wasm module, and kith sorts two dozen types. A heapsort walks the heap once for every
//! type (a type adds only its comparison and swap), is O(n log n) in the worst case, and needs
//! no memory; none of kith's sorts needs stability
//! (every order here is total, or its ties are interchangeable).

/// Sorts `v` so that `less` never holds between an element and one before it.
pub(crate) fn sort_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    heapsort(v, &mut less);
}

/// Sorts `v` by a key.
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    heapsort(v, &mut |a, b| key(a) < key(b));
}

/// Sorts `v` in ascending order.
pub(crate) fn sort<T: Ord>(v: &mut [T]) {
    heapsort(v, &mut |a, b| a < b);
}

/// A set of `items`. Not `collect()`: a `BTreeSet` collected from an iterator is sorted first
/// with the standard library's stable sort (the large per-type copy this module avoids);
/// `extend` inserts the items one by one with the set's own insert.
pub(crate) fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> std::collections::BTreeSet<T> {
    let mut set = std::collections::BTreeSet::new();
    set.extend(items);
    set
}

/// The comparison is a `dyn` call so that one copy serves every closure over the same type,
/// and the heap is walked through [`Heap`] so that one copy of the walk serves every type: an
/// element type costs only its comparison and swap.
fn heapsort<T>(v: &mut [T], less: &mut dyn FnMut(&T, &T) -> bool) {
    heapsort_dyn(&mut Slice { v, less });
}

/// A slice being sorted, seen by index.
trait Heap {
    fn len(&self) -> usize;
    fn less(&mut self, i: usize, j: usize) -> bool;
    fn swap(&mut self, i: usize, j: usize);
}

struct Slice<'a, T> {
    v: &'a mut [T],
    less: &'a mut dyn FnMut(&T, &T) -> bool,
}

impl<T> Heap for Slice<'_, T> {
    fn len(&self) -> usize {
        self.v.len()
    }
    fn less(&mut self, i: usize, j: usize) -> bool {
        (self.less)(&self.v[i], &self.v[j])
    }
    fn swap(&mut self, i: usize, j: usize) {
        self.v.swap(i, j);
    }
}

fn heapsort_dyn(h: &mut dyn Heap) {
    let n = h.len();
    for root in (0..n / 2).rev() {
        sift_down(h, root, n);
    }
    for end in (1..n).rev() {
        h.swap(0, end);
        sift_down(h, 0, end);
    }
}

fn sift_down(h: &mut dyn Heap, mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && h.less(child, child + 1) {
            child += 1;
        }
        if !h.less(root, child) {
            return;
        }
        h.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_library() {
        let mut x: u32 = 7;
        for len in [0, 1, 2, 3, 10, 100, 1000] {
            let mut v: Vec<u32> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x % 50
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            sort(&mut v);
            assert_eq!(v, expected);
            sort_by(&mut v, |a, b| a > b);
            expected.reverse();
            assert_eq!(v, expected);
            sort_by_key(&mut v, |&a| a);
            expected.reverse();
            assert_eq!(v, expected);
        }
        let mut descending: Vec<u32> = (0..200_000).rev().collect();
        sort(&mut descending);
        assert!(descending.windows(2).all(|w| w[0] <= w[1]));
    }
}
