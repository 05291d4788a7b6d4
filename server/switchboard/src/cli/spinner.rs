//! A spinner on stderr while a model works (indicatif), shown only on a terminal.

/// A spinner on stderr while the model works, naming it and counting what it wrote; drawn
/// only when stderr is a terminal (indicatif hides it otherwise), so pipes and logs stay clean.
pub(super) struct Spinner {
    bar: indicatif::ProgressBar,
    role: router::Role,
    model: std::sync::Mutex<String>,
    chars: std::sync::atomic::AtomicUsize,
}

impl Spinner {
    pub(super) fn start(role: router::Role) -> Spinner {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        bar.set_message(format!("{}: routing…", role.as_str()));
        Spinner {
            bar,
            role,
            model: std::sync::Mutex::new(String::new()),
            chars: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    pub(super) fn heard(&self, event: &tasks::CallEvent<'_>) {
        use std::sync::atomic::Ordering;
        let mut model = self
            .model
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match event {
            tasks::CallEvent::Routed(decision) => {
                if let Some(first) = decision.candidates.first() {
                    *model = first.alias.clone();
                }
            }
            tasks::CallEvent::Text(text) => {
                self.chars.fetch_add(text.len(), Ordering::Relaxed);
            }
            tasks::CallEvent::FallingBack { to, .. } => {
                *model = format!("{to} (fallback)");
                self.chars.store(0, Ordering::Relaxed);
            }
        }
        self.bar.set_message(format!(
            "{} with {}: ~{} tokens so far",
            self.role.as_str(),
            *model,
            self.chars.load(Ordering::Relaxed) / 4
        ));
    }

    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Spinner {
    /// Cleared on every way out, a failure included, before anything else is printed.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

impl Spinner {
    /// A line above the spinner (printed as is where there is no terminal).
    pub(super) fn bar_println(&self, line: String) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    /// Says what the agent's last step did (`grep "retry" → 14 hits`).
    pub(super) fn step(&self, number: usize, what: &str) {
        self.bar
            .set_message(format!("{}: step {number}: {what}", self.role.as_str()));
    }
}
