#pragma once

#include "launch/run_launcher.h"
#include "result.h"
#include "store/run_types.h"

#include <QSet>

namespace reprise {

/// Which code a rerun executes.
enum class CodeMode {
    Auto, ///< the recorded commit (+ patch) in a temporary worktree when it differs from HEAD, else in place
    AtCommit, ///< always in a temporary worktree at the recorded commit
    InPlace, ///< the current tree, whatever it holds
};

/// A rerun as the user reviews it before anything executes: built from a run's launch spec, with
/// params the user may edit. Every field here is shown in full (command, working dir, environment
/// overrides, code version, params).
struct RerunDraft {
    QString source; ///< database the original run is in
    /// Where the original is for people (a team store's user@host/db), recorded with a rerun kept
    /// in another database; empty: `source`.
    QString sourceLocation;
    /// The team store the original came from (a libpq location), where the rerun is synced once it
    /// ended; empty for the user's own databases. Never recorded (it may hold credentials).
    QString syncTo;
    QString target; ///< database the rerun is recorded in: the source, unless it is read-only
    QString originalId;
    QString originalName;
    QString project;
    RunStatus originalStatus = RunStatus::Finished;
    QStringList argv;
    QString workingDir;
    QMap<QString, QString> environment; ///< recorded overrides, applied over this process's environment
    /// Overrides shown but not applied: from an untrusted source, every loader variable (LD_*,
    /// PYTHON*, PATH, …) starts here until the user ticks it (`--allow-env NAME` on the command line).
    QSet<QString> heldBack;
    QMap<QString, ParamValue> recordedParams;
    QMap<QString, ParamValue> params; ///< what the rerun gets (edited or not)
    CodeVersion code; ///< recorded
    QString repository; ///< where the recorded commit is looked for (the recorded root, or a chosen clone)
    QString headNow; ///< HEAD of `repository` now; empty when it is not a git repository
    CodeMode mode = CodeMode::Auto;
    bool untrusted = false; ///< from a shared location: needs an explicit confirmation
    QString trustReason;
    /// Extra tags recorded with the rerun (a sweep member's `sweep.id`, `sweep.index`, …).
    QMap<QString, QString> tags;

    /// Whether the rerun executes in a temporary worktree at the recorded commit.
    bool runsInWorktree() const;
    /// Why the code is what it is, in one sentence for the draft view and the CLI.
    QString codeSummary() const;
    /// The params whose value differs from the recorded ones (added ones included).
    QMap<QString, ParamValue> editedParams() const;
    /// The environment overrides the rerun gets: `environment` less `heldBack`.
    QMap<QString, QString> appliedEnvironment() const;
};

/// Marks the draft as coming from an untrusted (or trusted) source. Untrusted: it needs an explicit
/// confirmation, and every sensitive environment override is held back until allowed one by one.
void setTrust(RerunDraft& draft, bool untrusted, const QString& reason);

/// Builds the draft of rerunning `run` (from database `source`). Asks git for HEAD: not for the GUI thread.
RerunDraft makeRerunDraft(const RunRecord& run, const QString& source);

/// Applies `key=value` (the value's type inferred, or the recorded param's type kept) to the params.
Status applyParamEdit(RerunDraft& draft, const QString& assignment);

/// Points the draft at another working dir (the recorded one is gone); if it lies in a git work
/// tree, the recorded commit is looked for in that repository.
void chooseWorkingDir(RerunDraft& draft, const QString& directory);

/// What stops a draft from starting, with a way forward.
struct DraftProblem {
    enum class Fix {
        None,
        ChooseDirectory, ///< pick a working dir (or a clone of the repository)
        RunInPlace, ///< run the current tree instead of the recorded commit
        EditCommand, ///< install the program, or edit the command
    };
    QString message;
    QString hint;
    Fix fix = Fix::None;
};

/// Every problem that would stop the draft from starting as it is; empty when it can start.
/// Asks git whether the commit exists and the patch applies (I/O: not for the GUI thread).
QList<DraftProblem> checkRerunDraft(const RerunDraft& draft);

/// What a recorded uncommitted patch changes, for the draft view and the CLI: every file with the
/// lines it adds and removes. The patch itself is always viewable in full beside it.
struct PatchSummary {
    struct File {
        QString path;
        int added = 0;
        int removed = 0;
        bool binary = false;
    };
    QList<File> files;
    int added = 0;
    int removed = 0;
    bool isEmpty() const { return files.isEmpty(); }
    /// "3 files changed, +12 −4 lines".
    QString text() const;
};
PatchSummary summarizePatch(const QString& patch);

/// Whether `commit` is a full or abbreviated commit id (4–64 hex digits): anything else recorded
/// as a commit is refused before it reaches git.
bool isCommitId(const QString& commit);

/// argv for display, each argument quoted as a POSIX shell would need it. Only ever shown: a
/// rerun executes the argv vector itself.
QString displayCommand(const QStringList& argv);

/// Variables that change which program, libraries or modules run (LD_PRELOAD, PYTHONPATH, PATH, …):
/// highlighted wherever a rerun's environment is shown.
bool isSensitiveVariable(const QString& name);

/// Whether a database at `path` is a shared, untrusted source: opened read-only, owned by another
/// user, not writable, or on a network file system. `reason` says which.
bool isUntrustedSource(const QString& path, bool openedReadOnly, QString* reason = nullptr);

/// A rerun ready to start: the worktree exists (when it runs at the recorded commit) and paths into
/// the repository point into it.
struct PreparedRerun {
    LaunchRequest request;
    QString worktree; ///< empty when running in place
    QString repository;
};

/// Creates the worktree (commit checked out, patch applied) and the launch request: kind rerun,
/// parent the original. Nothing is left behind when it fails.
Result<PreparedRerun> prepareRerun(const RerunDraft& draft, const QProcessEnvironment& environment);

/// Removes the temporary worktree of a prepared rerun (nothing when it ran in place).
Status removeWorktree(const PreparedRerun& rerun);

} // namespace reprise
