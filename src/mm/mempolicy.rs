//! NUMA memory policy as `alloc_pages` consults it before `__alloc_pages`
//! (`mm/mempolicy.c`): the task's own policy if it has one, else the
//! per-node default (`preferred_node_policy[numa_node_id()]`, MPOL_PREFERRED
//! for the CPU's node, set up by `numa_policy_init`); in interrupt context
//! the global `default_policy` (MPOL_LOCAL). `policy_node` turns it into
//! the preferred node whose zonelist the allocation walks.
//!
//! Simplification: only the policies that name one preferred node are
//! modelled (MPOL_PREFERRED, MPOL_LOCAL). MPOL_BIND, MPOL_INTERLEAVE and
//! MPOL_PREFERRED_MANY restrict or spread the walk with a nodemask, which
//! the model's zonelist walk does not take; none of them touches the
//! zonelist cookie, so the race and its guards are the same under them.

use crate::mm::MAX_NUMNODES;

/// `nodemask_t`: a bit per possible node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeMask([u64; MAX_NUMNODES / 64]);

impl NodeMask {
    /// `nodemask_of_node(nid)`.
    pub fn of_node(nid: usize) -> NodeMask {
        let mut m = NodeMask([0; MAX_NUMNODES / 64]);
        m.0[nid / 64] |= 1 << (nid % 64);
        m
    }

    /// `first_node`: `find_first_bit` over the mask (MAX_NUMNODES when
    /// empty).
    #[inline]
    pub fn first_node(&self) -> usize {
        self.0
            .iter()
            .position(|&w| w != 0)
            .map_or(MAX_NUMNODES, |i| {
                i * 64 + self.0[i].trailing_zeros() as usize
            })
    }
}

/// `enum mempolicy_mode`, the modelled subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MpolMode {
    /// MPOL_PREFERRED: the first node of `nodes`, then the fallback order.
    Preferred,
    /// MPOL_LOCAL: the node of the CPU that allocates.
    Local,
}

/// `struct mempolicy`.
#[derive(Clone, Debug)]
pub struct Mempolicy {
    pub mode: MpolMode,
    pub nodes: NodeMask,
}

impl Mempolicy {
    /// `default_policy`: MPOL_LOCAL.
    pub const fn local() -> Mempolicy {
        Mempolicy {
            mode: MpolMode::Local,
            nodes: NodeMask([0; MAX_NUMNODES / 64]),
        }
    }

    /// MPOL_PREFERRED for node `nid` (what `numa_policy_init` gives every
    /// node as its default, and `set_mempolicy(MPOL_PREFERRED)` a task).
    pub fn preferred(nid: usize) -> Mempolicy {
        Mempolicy {
            mode: MpolMode::Preferred,
            nodes: NodeMask::of_node(nid),
        }
    }

    /// `policy_node`: the node whose zonelist an allocation on a CPU of
    /// node `nd` walks.
    #[inline]
    pub fn policy_node(&self, nd: usize) -> usize {
        match self.mode {
            MpolMode::Preferred => self.nodes.first_node(),
            MpolMode::Local => nd,
        }
    }
}

/// `default_policy`.
pub static DEFAULT_POLICY: Mempolicy = Mempolicy::local();

/// `get_task_policy`: the task's policy, else the node's default when it
/// has a mode (every node's has, MPOL_PREFERRED), else `default_policy`.
#[inline]
pub fn get_task_policy<'a>(
    task: Option<&'a Mempolicy>,
    preferred_node_policy: &'a [Mempolicy],
    node: usize,
) -> &'a Mempolicy {
    if let Some(pol) = task {
        return pol;
    }
    preferred_node_policy.get(node).unwrap_or(&DEFAULT_POLICY)
}
