//! The model's enumerated settings as clap `ValueEnum`s, so that their
//! flags (`--scope`, `--writer`, `--pressure`, `--printk`, `--kernel`) get
//! clap's errors with suggestions and shell completions. The values and
//! their spellings stay where the model defines them (`ALL`, `name()`).

use crate::alloc::{Kernel, Printk, Scope};
use crate::workload::spec::{Pressure, WriterMode};
use clap::builder::PossibleValue;
use clap::ValueEnum;

macro_rules! value_enum {
    ($($t:ty),* $(,)?) => {
        $(
            impl ValueEnum for $t {
                fn value_variants<'a>() -> &'a [Self] {
                    &<$t>::ALL
                }

                fn to_possible_value(&self) -> Option<PossibleValue> {
                    Some(PossibleValue::new(self.name()))
                }
            }
        )*
    };
}

value_enum!(Scope, WriterMode, Pressure, Printk, Kernel);

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings the flags took before, case ignored as before.
    #[test]
    fn the_spellings_are_the_models() {
        assert_eq!(Kernel::from_str("6.1", true), Ok(Kernel::V6_1));
        assert_eq!(Kernel::from_str("Current", true), Ok(Kernel::Current));
        assert_eq!(Scope::from_str("every-alloc", true), Ok(Scope::EveryAlloc));
        assert_eq!(Scope::from_str("slowpath", true), Ok(Scope::Slowpath));
        assert_eq!(
            WriterMode::from_str("hotplug", true),
            Ok(WriterMode::Hotplug)
        );
        assert_eq!(Pressure::from_str("HIGH", true), Ok(Pressure::High));
        assert_eq!(Printk::from_str("console", true), Ok(Printk::Console));
        assert!(Kernel::from_str("6.6", true).is_err());
    }
}
