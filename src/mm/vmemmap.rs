//! The memory behind `mem_map`, mapped with 2 MiB pages as x86-64 maps
//! the kernel's vmemmap: `vmemmap_populate` takes
//! `vmemmap_populate_hugepages` (PMD mappings) for every full section
//! wherever the CPU has PSE, so the kernel's page allocator walks its
//! `struct page`s through a handful of TLB entries.
//!
//! In userspace the same takes an allocation aligned to 2 MiB and
//! `madvise(MADV_HUGEPAGE)` before its first touch (transparent huge
//! pages, "madvise" or "always" in
//! `/sys/kernel/mm/transparent_hugepage/enabled`). Where the kernel gives
//! no huge page the call changes nothing and the model runs on 4 KiB
//! pages, as before. Without it, a model's hot `struct page`s spread over
//! a thousand 4 KiB pages, and under a hypervisor each TLB miss is a
//! two-level page walk whose cost depends on how the host happens to back
//! that range: two copies of one allocator then differ by tens of percent
//! for as long as they live (measured on the development machine: an A/A
//! pair of arms 0.55x to 1.8x apart in single rounds).

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::ops::Deref;
use std::ptr::NonNull;

/// A huge page: the alignment and the granule of the allocation.
const HUGE: usize = 2 << 20;

/// A fixed-length array in its own 2 MiB-aligned memory, advised huge.
pub struct Vmemmap<T> {
    ptr: NonNull<T>,
    len: usize,
    layout: Layout,
}

// SAFETY: `Vmemmap<T>` owns its elements as a `Box<[T]>` would: sending or
// sharing it sends or shares them, so it is `Send`/`Sync` exactly when
// `T` is.
unsafe impl<T: Send> Send for Vmemmap<T> {}
// SAFETY: see the `Send` impl above.
unsafe impl<T: Sync> Sync for Vmemmap<T> {}

impl<T> Vmemmap<T> {
    /// The elements of `items`, in order.
    pub fn new(items: impl ExactSizeIterator<Item = T>) -> Self {
        assert!(std::mem::size_of::<T>() > 0, "no zero-sized elements");
        let len = items.len();
        let bytes = len
            .max(1)
            .checked_mul(std::mem::size_of::<T>())
            .and_then(|b| b.checked_next_multiple_of(HUGE))
            .expect("a mem_map within the address space");
        let layout = Layout::from_size_align(bytes, HUGE.max(std::mem::align_of::<T>()))
            .expect("a mem_map within the address space");
        // SAFETY: `layout` has a non-zero size (at least one huge page:
        // `len.max(1)` elements of a non-zero size, rounded up).
        let raw = unsafe { alloc(layout) };
        let Some(base) = NonNull::new(raw.cast::<T>()) else {
            handle_alloc_error(layout)
        };
        advise_huge(raw, bytes);
        let mut written = 0;
        for item in items.take(len) {
            // SAFETY: `written < len`, so the slot lies inside the
            // allocation, which is aligned for `T`; it is uninitialised
            // and written once.
            unsafe { base.as_ptr().add(written).write(item) };
            written += 1;
        }
        assert_eq!(written, len, "the iterator yielded fewer than it said");
        Vmemmap {
            ptr: base,
            len,
            layout,
        }
    }
}

/// Ask for huge pages over `bytes` at `addr` (2 MiB aligned), before the
/// first touch. Best effort: the answer does not matter for correctness.
fn advise_huge(addr: *mut u8, bytes: usize) {
    #[cfg(target_os = "linux")]
    // SAFETY: the range is one live allocation of ours; MADV_HUGEPAGE
    // changes how it is backed, never its contents or its validity.
    unsafe {
        libc::madvise(addr.cast(), bytes, libc::MADV_HUGEPAGE);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (addr, bytes);
}

impl<T> Deref for Vmemmap<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: the first `len` elements were initialised in `new` and
        // live until `drop`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> Drop for Vmemmap<T> {
    fn drop(&mut self) {
        // SAFETY: the elements are initialised and dropped once, here;
        // the memory was allocated with `layout`.
        unsafe {
            std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(
                self.ptr.as_ptr(),
                self.len,
            ));
            dealloc(self.ptr.as_ptr().cast(), self.layout);
        }
    }
}

impl<T> std::fmt::Debug for Vmemmap<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vmemmap").field("len", &self.len).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn holds_its_elements_aligned_and_drops_each_once() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct D(usize);
        impl Drop for D {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        let v = Vmemmap::new((0..1000).map(D));
        assert_eq!(v.len(), 1000);
        assert!(v.iter().enumerate().all(|(i, d)| d.0 == i));
        assert_eq!(v.as_ptr() as usize % HUGE, 0);
        drop(v);
        assert_eq!(DROPS.load(Ordering::Relaxed), 1000);
        let empty = Vmemmap::new(std::iter::empty::<u64>());
        assert!(empty.is_empty());
    }
}
