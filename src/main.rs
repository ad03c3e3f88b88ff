//! `zonebench`: the command line lives in the library (`zonebench::cli`),
//! so that the contention bench runs the same code.

fn main() -> std::process::ExitCode {
    zonebench::cli::main(std::env::args_os())
}
