//! GFP flags (`include/linux/gfp.h`): the subset whose meaning the model
//! implements.

use crate::mm::zone::ZoneType;

/// GFP flags (the subset whose meaning the model implements).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gfp(u32);

impl Gfp {
    pub const DIRECT_RECLAIM: u32 = 1 << 0;
    pub const MOVABLE: u32 = 1 << 1;
    pub const HIGH: u32 = 1 << 2;
    pub const DMA32: u32 = 1 << 3;
    /// Process context, may reclaim, ZONE_NORMAL and below.
    pub const KERNEL: Gfp = Gfp(Self::DIRECT_RECLAIM);
    /// User pages: may reclaim, may use ZONE_MOVABLE.
    pub const HIGHUSER_MOVABLE: Gfp = Gfp(Self::DIRECT_RECLAIM | Self::MOVABLE);
    /// Interrupt context: no reclaim, may dip below MIN (ALLOC_HARDER).
    pub const ATOMIC: Gfp = Gfp(Self::HIGH);

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
