#pragma once

#include "store/run_types.h"

namespace reprise {

/// The git state of `directory`: commit, branch, whether the work tree differs from HEAD (tracked
/// changes or untracked files) and the patch of tracked changes (`git diff HEAD --binary`), so a
/// rerun can apply it to a worktree at the commit. Empty when `directory` is not in a git work tree
/// or git is not installed: recording never fails because of git.
CodeVersion captureCodeVersion(const QString& directory);

} // namespace reprise
