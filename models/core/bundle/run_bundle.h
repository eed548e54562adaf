#pragma once

#include "bundle/tar_archive.h"
#include "import/source_reader.h"
#include "launch/rerun_draft.h"
#include "result.h"
#include "store/run_types.h"

#include <QJsonObject>
#include <QProcessEnvironment>

namespace reprise {

class RunStore;

/// A reproduction bundle: one POSIX tar file that reruns a run on another machine.
///
///     reprise-bundle/manifest.json   format "reprise-bundle", version 1, the run's id and name, how the
///                                    code is held, the working dir relative to the code's root, and
///                                    the sha256 of run.json, code.bundle and code.patch
///     reprise-bundle/run.json        the run: launch spec, code version (commit, branch, patch), params,
///                                    tags, allow-listed environment, runtime and packages, steps with the
///                                    hashes of their inputs and outputs, datasets, artifacts, every
///                                    metric's full history, captured output
///     reprise-bundle/code.bundle     `git bundle` of the recorded commit (its history included), or
///     reprise-bundle/code/...        the files git tracks at that commit when no bundle can be made
///     reprise-bundle/code.patch      the recorded uncommitted changes (when there were any)
constexpr int kBundleVersion = 1;

/// What writeRunBundle() wrote.
struct BundleSummary {
    QString file;
    QString runId;
    QString code; ///< "git bundle of commit …", "tracked files of commit …", or why there is no code
    bool hasCode = false;
    qint64 bytes = 0;
    int metrics = 0;
    qint64 points = 0;
};

/// Writes the bundle of run `runId` (id or prefix) of `store` to `output` (replaced atomically).
/// Asks git (the recorded repository) for the code: not for the GUI thread.
Result<BundleSummary> writeRunBundle(const RunStore& store, const QString& runId, const QString& output);

/// A file input of the run (a step input no step produced) with the hash it had.
struct BundleInput {
    QString path; ///< as recorded: relative to the working dir, or absolute
    QString hash; ///< "sha256:<hex>"
};

/// A bundle opened for a rerun: checked and read, nothing written and nothing executed.
struct RunBundle {
    QString file;
    QJsonObject manifest;
    ImportedRun run; ///< the run with its full histories, to be imported as the rerun's parent
    RunRecord record; ///< the same as a record, for the rerun draft
    QString codeKind; ///< "git-bundle", "files" or "none"
    QString codeName; ///< the folder name the code unpacks into (the repository's name)
    QString workingDir; ///< relative to the code's root ("" for the root itself)
    QList<BundleInput> inputs;
    QList<TarMember> members;
};

/// Opens `file` as an untrusted bundle: lists and checks every member (see listTar(): paths out of
/// the folder, links out of the tree, sparse or oversized members are refused with a message),
/// verifies the manifest's hashes and reads the run. Writes and runs nothing.
Result<RunBundle> openRunBundle(const QString& file);

/// Unpacks the bundle into `folder` (created; it must not exist or be empty): the archive into
/// `folder/bundle`, the code into `folder/<codeName>` at the recorded commit with the recorded
/// patch applied. Returns the code's root. Runs only git (clone from the bundle, checkout, apply).
Result<QString> unpackRunBundle(const RunBundle& bundle, const QString& folder);

/// One thing the rerun from a bundle checked against what was recorded.
struct BundleCheck {
    QString what; ///< "python", "package numpy", "input data/x.csv"
    QString recorded;
    QString here; ///< "" when missing
    bool same() const { return recorded == here; }
};

/// The inputs' hashes, looked for at their recorded paths under `directory`.
QList<BundleCheck> checkBundleInputs(const RunBundle& bundle, const QString& directory);

/// The interpreter's and packages' versions as `python` reports them in `environment`, against the
/// recorded runtime. Runs `python`: only after the draft was confirmed.
QList<BundleCheck> checkBundleRuntime(
    const RunBundle& bundle, const QString& python, const QProcessEnvironment& environment);

/// The interpreter a bundle's command runs (its program when that is a Python, else the recorded
/// executable); empty when it runs no Python.
QString bundleInterpreter(const RunBundle& bundle);

/// The rerun draft of a bundle's run, recorded in `target`: untrusted (a bundle always is), running
/// in place in the unpacked code (`codeRoot`, or its future place) or in `cwd` when given, with the
/// command's files of the repository pointing into the unpacked code.
RerunDraft makeBundleDraft(const RunBundle& bundle, const QString& target, const QString& codeRoot, const QString& cwd);

/// Where a bundle's rerun gets its code, in one sentence for its draft: the commit (from a git bundle
/// or as tracked files) with or without the recorded changes, unpacked into `codeRoot`.
QString bundleCodeSummary(const RunBundle& bundle, const QString& codeRoot);

/// The bundled run as an import (its own id, so a second rerun of the same bundle imports nothing).
Result<int> importBundledRun(const RunBundle& bundle, RunStore& target);

} // namespace reprise
