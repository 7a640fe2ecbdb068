//! The order in which a policy's statements take effect, `use`d files included: what hover and
//! "go to definition" need to say which statement a statement overrides, and which overrides
//! it. It walks the per-file settings (salsa queries) the way the checker's merge does.

use virtc::analyse::settings::{Key, Setting, file_settings};
use virtc::db::{Db, SourceFile};
use virtc_grammar::Span;

/// A keyed setting as the merge applies it.
#[derive(Debug, Clone)]
pub struct Step {
    pub key: Key,
    pub setting: Setting,
    pub file: SourceFile,
    /// The statement.
    pub span: Span,
}

/// Every keyed setting of the policy rooted at `root`, in the order they take effect.
pub fn steps(db: &dyn Db, root: SourceFile) -> Vec<Step> {
    let mut out = Vec::new();
    walk(db, root, &mut Vec::new(), &mut out);
    out
}

fn walk(db: &dyn Db, file: SourceFile, stack: &mut Vec<SourceFile>, out: &mut Vec<Step>) {
    if stack.contains(&file) {
        return;
    }
    stack.push(file);
    for located in &file_settings(db, file).settings {
        match &*located.setting {
            Setting::Use(target) => walk(db, *target, stack, out),
            setting => {
                if let Some(key) = setting.key() {
                    out.push(Step {
                        key,
                        setting: setting.clone(),
                        file,
                        span: located.span,
                    });
                }
            }
        }
    }
    stack.pop();
}

/// For the statement at `span` of `file`: the steps of other files it overrides (the latest
/// earlier one per key), and the later steps that override it.
pub fn overrides(steps: &[Step], file: SourceFile, span: Span) -> (Vec<&Step>, Vec<&Step>) {
    let mut overridden = Vec::new();
    let mut overriding = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        if step.file != file || step.span != span {
            continue;
        }
        if let Some(earlier) = steps[..i].iter().rev().find(|e| e.key == step.key)
            && earlier.file != file
            && !overridden
                .iter()
                .any(|o: &&Step| o.span == earlier.span && o.file == earlier.file)
        {
            overridden.push(earlier);
        }
        if let Some(later) = steps[i + 1..].iter().find(|l| l.key == step.key)
            && !(later.file == file && later.span == span)
            && !overriding
                .iter()
                .any(|o: &&Step| o.span == later.span && o.file == later.file)
        {
            overriding.push(later);
        }
    }
    (overridden, overriding)
}
