#pragma once

#include "store/run_types.h"

#include <QByteArray>
#include <QStringList>

namespace reprise {

/// What one git command did.
struct GitResult {
    bool ok = false; ///< started, exited normally with status 0
    QString out;
    QString err; ///< stderr, or why git could not run
};

/// Runs `git ARGS` in `directory` with `input` on stdin, waiting at most 60 s. Never through a shell.
GitResult runGit(const QString& directory, const QStringList& args, const QByteArray& input = {},
    const QStringList& extraEnvironment = {});

/// The git state of `directory`: commit, branch, whether the work tree differs from HEAD (tracked
/// changes or untracked files) and the patch of tracked changes (`git diff HEAD --binary`), so a
/// rerun can apply it to a worktree at the commit. Empty when `directory` is not in a git work tree
/// or git is not installed: recording never fails because of git.
CodeVersion captureCodeVersion(const QString& directory);

} // namespace reprise
