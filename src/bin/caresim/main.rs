//! The `caresim` command line: thin; parses arguments, runs, reports errors.

mod cli;
mod warmup;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`caresim validate x | head`)
    // would panic; the default action ends the process quietly, as other tools do.
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; only restores the
    // signal's default disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(e.as_ref());
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
