//! Time flags: a value with its unit, as `humantime` reads it (`150ms`,
//! `2s`, `6min`, `5us`, `1h 30min`), or a bare number in the flag's own
//! unit (what the flag took before units were accepted: `--phase 5` is
//! still 5 ms, `--budget 6` still 6 minutes). Either way the value comes
//! back as a number in the flag's own unit, checked against its range.

/// The unit of a time flag's bare number, and of the value it yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unit {
    Micros,
    Millis,
    Secs,
    Mins,
}

impl Unit {
    fn nanos(self) -> u64 {
        match self {
            Unit::Micros => 1_000,
            Unit::Millis => 1_000_000,
            Unit::Secs => 1_000_000_000,
            Unit::Mins => 60_000_000_000,
        }
    }

    /// How the range in an error message is stated.
    fn words(self) -> &'static str {
        match self {
            Unit::Micros => "us",
            Unit::Millis => "ms",
            Unit::Secs => "seconds",
            Unit::Mins => "minutes",
        }
    }
}

/// One time flag: what it is called in messages, the unit of a bare
/// number, and its range in that unit (`min` excluded where `open`, `max`
/// included).
#[derive(Clone, Copy, Debug)]
pub(super) struct Time {
    pub what: &'static str,
    pub bare: Unit,
    pub min: f64,
    pub open: bool,
    pub max: f64,
}

impl Time {
    /// `s` in the flag's unit, or a one-line message naming the quantity,
    /// the range and what was given.
    pub(super) fn parse(&self, s: &str) -> Result<f64, String> {
        let t = s.trim();
        let v = match t.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            Ok(_) => return Err(format!("{} must be finite, got '{s}'", self.what)),
            Err(_) => match t.strip_prefix('-') {
                // A negative time with its unit: out of range, not garbage.
                Some(rest) if humantime::parse_duration(rest).is_ok() => return Err(self.range(s)),
                _ => self.with_unit(t).map_err(|_| {
                    format!(
                        "{} must be a time such as 150ms, 2s or 6min, or a bare number of {}, got '{s}'",
                        self.what,
                        self.bare.words()
                    )
                })?,
            },
        };
        let above_min = if self.open {
            v > self.min
        } else {
            v >= self.min
        };
        if above_min && v <= self.max {
            Ok(v)
        } else {
            Err(self.range(s))
        }
    }

    /// A value with its unit, in the flag's unit: one division of whole
    /// nanoseconds, so `150ms` is exactly the number `0.15` seconds.
    fn with_unit(&self, t: &str) -> Result<f64, humantime::DurationError> {
        let d = humantime::parse_duration(t)?;
        Ok(d.as_nanos() as f64 / self.bare.nanos() as f64)
    }

    fn range(&self, s: &str) -> String {
        format!(
            "{} must be in {}{}, {}] {}, got {}",
            self.what,
            if self.open { "(" } else { "[" },
            self.min,
            self.max,
            self.bare.words(),
            s.trim()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DURATION: Time = Time {
        what: "duration",
        bare: Unit::Secs,
        min: 0.0,
        open: true,
        max: 86_400.0,
    };
    const HOLD: Time = Time {
        what: "writer hold",
        bare: Unit::Micros,
        min: 0.0,
        open: false,
        max: 1_000_000.0,
    };

    #[test]
    fn a_unit_means_what_it_says_and_a_bare_number_keeps_the_flags_unit() {
        assert_eq!(DURATION.parse("150ms"), Ok(0.15));
        assert_eq!(DURATION.parse("150ms"), DURATION.parse("0.15"));
        assert_eq!(DURATION.parse("2s"), Ok(2.0));
        assert_eq!(DURATION.parse(" 2 "), Ok(2.0));
        assert_eq!(DURATION.parse("6min"), Ok(360.0));
        assert_eq!(DURATION.parse("1.5s"), Ok(1.5));
        assert_eq!(HOLD.parse("5"), Ok(5.0));
        assert_eq!(HOLD.parse("5us"), Ok(5.0));
        assert_eq!(HOLD.parse("2ms"), Ok(2000.0));
        assert_eq!(HOLD.parse("0"), Ok(0.0));
        assert_eq!(HOLD.parse("0us"), Ok(0.0));
        let budget = Time {
            what: "budget",
            bare: Unit::Mins,
            min: 0.0,
            open: true,
            max: 43_200.0,
        };
        assert_eq!(budget.parse("6"), Ok(6.0));
        assert_eq!(budget.parse("6min"), Ok(6.0));
        assert_eq!(budget.parse("90s"), Ok(1.5));
        let phase = Time {
            what: "phase",
            bare: Unit::Millis,
            min: 1.0,
            open: false,
            max: 1000.0,
        };
        assert_eq!(phase.parse("5"), Ok(5.0));
        assert_eq!(phase.parse("5ms"), Ok(5.0));
        assert_eq!(phase.parse("1s"), Ok(1000.0));
    }

    #[test]
    fn out_of_range_negative_nan_and_garbage_are_refused_in_one_line() {
        let refused = |t: &Time, s: &str, says: &str| {
            let e = t.parse(s).expect_err(s);
            assert!(e.contains(says), "{s}: {e}");
            assert!(!e.contains('\n'), "{s}: {e}");
        };
        refused(&DURATION, "0", "(0, 86400] seconds, got 0");
        refused(&DURATION, "0s", "(0, 86400] seconds, got 0s");
        refused(&DURATION, "-1", "got -1");
        refused(&DURATION, "-5s", "got -5s");
        refused(&DURATION, "100000", "got 100000");
        refused(&DURATION, "2days", "got 2days");
        refused(&DURATION, "NaN", "must be finite");
        refused(&DURATION, "inf", "must be finite");
        refused(&DURATION, "abc", "bare number of seconds, got 'abc'");
        refused(&DURATION, "5 parsecs", "got '5 parsecs'");
        refused(&DURATION, "", "got ''");
        refused(&HOLD, "-5", "[0, 1000000] us, got -5");
        refused(&HOLD, "2s", "got 2s");
    }
}
