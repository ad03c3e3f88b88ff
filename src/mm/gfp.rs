//! GFP flags (`include/linux/gfp.h`): the subset whose meaning the model
//! implements.

use crate::mm::zone::ZoneType;

/// `current->flags` bits that scope a task's allocations
/// (`include/linux/sched.h`).
pub const PF_MEMALLOC_NOFS: u32 = 0x0004_0000;
pub const PF_MEMALLOC_NOIO: u32 = 0x0008_0000;
/// Pinned pages must not come from ZONE_MOVABLE (`memalloc_pin_save`).
pub const PF_MEMALLOC_PIN: u32 = 0x1000_0000;

/// GFP flags (the subset whose meaning the model implements).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gfp(u32);

impl Gfp {
    pub const DIRECT_RECLAIM: u32 = 1 << 0;
    pub const MOVABLE: u32 = 1 << 1;
    pub const HIGH: u32 = 1 << 2;
    pub const DMA32: u32 = 1 << 3;
    /// `__GFP_IO`, `__GFP_FS`: reclaim may start I/O, may call into the
    /// filesystem (the model's reclaim does neither; the scoped NOIO/NOFS
    /// contexts clear them as the kernel does).
    pub const IO: u32 = 1 << 4;
    pub const FS: u32 = 1 << 5;
    /// Process context, may reclaim, ZONE_NORMAL and below.
    pub const KERNEL: Gfp = Gfp(Self::DIRECT_RECLAIM | Self::IO | Self::FS);
    /// User pages: may reclaim, may use ZONE_MOVABLE.
    pub const HIGHUSER_MOVABLE: Gfp = Gfp(Self::KERNEL.0 | Self::MOVABLE);
    /// Interrupt context: no reclaim, may dip below MIN (ALLOC_HARDER).
    pub const ATOMIC: Gfp = Gfp(Self::HIGH);

    /// `gfp & mask` (`gfp_allowed_mask`).
    #[inline]
    pub fn masked(self, mask: u32) -> Gfp {
        Gfp(self.0 & mask)
    }

    /// `current_gfp_context`: the task's scoped constraints
    /// (`memalloc_noio_save`, `memalloc_nofs_save`, `memalloc_pin_save`)
    /// applied to the request; `pflags` is `current->flags`.
    #[inline]
    pub fn current_gfp_context(self, pflags: u32) -> Gfp {
        let mut flags = self.0;
        if pflags & (PF_MEMALLOC_NOIO | PF_MEMALLOC_NOFS | PF_MEMALLOC_PIN) != 0 {
            if pflags & PF_MEMALLOC_NOIO != 0 {
                flags &= !(Self::IO | Self::FS);
            } else if pflags & PF_MEMALLOC_NOFS != 0 {
                flags &= !Self::FS;
            }
            if pflags & PF_MEMALLOC_PIN != 0 {
                flags &= !Self::MOVABLE;
            }
        }
        Gfp(flags)
    }

    /// Whether `flag` (one of the bits above) is set.
    #[inline]
    pub fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }

    /// `gfp_zone`: the highest zone type this allocation may use.
    #[inline]
    pub fn highest_zoneidx(self) -> usize {
        if self.0 & Self::MOVABLE != 0 {
            ZoneType::Movable as usize
        } else if self.0 & Self::DMA32 != 0 {
            ZoneType::Dma32 as usize
        } else {
            ZoneType::Normal as usize
        }
    }

    #[inline]
    pub fn can_direct_reclaim(self) -> bool {
        self.0 & Self::DIRECT_RECLAIM != 0
    }

    /// `__GFP_HIGH`: ALLOC_HARDER, may dip below MIN.
    #[inline]
    pub fn harder(self) -> bool {
        self.0 & Self::HIGH != 0
    }

    /// Whether `gfp_to_alloc_flags` keeps ALLOC_CPUSET: every request but
    /// an atomic one (`__GFP_HIGH` without direct reclaim drops it). Such
    /// a request recomputes `preferred_zoneref` at `retry:`.
    #[inline]
    pub fn alloc_cpuset(self) -> bool {
        !self.harder() || self.can_direct_reclaim()
    }
}
