#include "launch/rerun_draft.h"

#include "launch/git_info.h"
#include "launch/run_recorder.h"
#include "store/database.h"
#include "store/run_store.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise {

namespace {

    QString shortCommit(const QString& commit) { return commit.left(10); }

    /// `path` with the directory `from` replaced by `to`, when it lies inside `from` and the result
    /// exists (an untracked file, such as a virtualenv, is not in a worktree and stays where it was).
    QString mapInto(const QString& path, const QString& from, const QString& to)
    {
        if (from.isEmpty() || to.isEmpty())
            return path;
        if (path == from)
            return to;
        if (!path.startsWith(from + u'/'))
            return path;
        const QString mapped = to + path.mid(from.size());
        return QFileInfo::exists(mapped) ? mapped : path;
    }

    /// A PATH-like value (entries separated by ':') with each entry mapped.
    QString mapPathList(const QString& value, const QString& from, const QString& to)
    {
        QStringList parts = value.split(u':');
        for (QString& part : parts)
            part = mapInto(part, from, to);
        return parts.join(u':');
    }

    QString firstLine(const QString& text)
    {
        const QString trimmed = text.trimmed();
        return trimmed.section(u'\n', 0, 0);
    }

    bool isGitRepository(const QString& directory)
    {
        return !directory.isEmpty() && QFileInfo(directory).isDir()
            && runGit(directory, { QStringLiteral("rev-parse"), QStringLiteral("--git-dir") }).ok;
    }

    QString headOf(const QString& repository)
    {
        if (repository.isEmpty() || !QFileInfo(repository).isDir())
            return {};
        const GitResult head
            = runGit(repository, { QStringLiteral("rev-parse"), QStringLiteral("--verify"), QStringLiteral("HEAD") });
        return head.ok ? head.out.trimmed() : QString();
    }

    /// The PATH the child will search: the recorded override, else ours.
    QString searchPath(const RerunDraft& draft)
    {
        return draft.environment.value(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
    }

    /// The working dir inside the worktree that corresponds to the draft's working dir.
    QString worktreeWorkingDir(const RerunDraft& draft, const QString& worktree)
    {
        for (const QString& root : { draft.repository, draft.code.root }) {
            if (root.isEmpty())
                continue;
            if (draft.workingDir == root)
                return worktree;
            if (draft.workingDir.startsWith(root + u'/'))
                return worktree + draft.workingDir.mid(root.size());
        }
        return worktree;
    }

} // namespace

bool RerunDraft::runsInWorktree() const
{
    switch (mode) {
    case CodeMode::InPlace:
        return false;
    case CodeMode::AtCommit:
        return true;
    case CodeMode::Auto:
        break;
    }
    return !code.commit.isEmpty() && (headNow != code.commit || !code.patch.isEmpty());
}

QString RerunDraft::codeSummary() const
{
    if (code.commit.isEmpty())
        return runsInWorktree() ? QStringLiteral("no code version was recorded, so there is no commit to run")
                                : QStringLiteral("no code version was recorded: runs the working dir as it is now");
    const QString patch
        = code.patch.isEmpty() ? QString() : QStringLiteral(" with the recorded uncommitted changes applied");
    if (runsInWorktree())
        return QStringLiteral("runs commit ") + shortCommit(code.commit) + patch
            + QStringLiteral(" in a temporary git worktree (removed afterwards, kept if the run fails)")
            + (headNow.isEmpty() || headNow == code.commit ? QString()
                                                           : QStringLiteral("; HEAD is now ") + shortCommit(headNow));
    if (headNow == code.commit && code.patch.isEmpty())
        return QStringLiteral("runs in place: HEAD is still the recorded commit ") + shortCommit(code.commit);
    return QStringLiteral("runs in place, in the current tree (HEAD ")
        + (headNow.isEmpty() ? QStringLiteral("unknown") : shortCommit(headNow))
        + QStringLiteral("), not the recorded commit ") + shortCommit(code.commit)
        + (code.patch.isEmpty() ? QString() : QStringLiteral(" and its uncommitted changes"));
}

QMap<QString, ParamValue> RerunDraft::editedParams() const
{
    QMap<QString, ParamValue> out;
    for (auto it = params.begin(); it != params.end(); ++it)
        if (recordedParams.value(it.key()) != *it || !recordedParams.contains(it.key()))
            out.insert(it.key(), *it);
    return out;
}

QMap<QString, QString> RerunDraft::appliedEnvironment() const
{
    QMap<QString, QString> out = environment;
    for (const QString& name : heldBack)
        out.remove(name);
    return out;
}

void setTrust(RerunDraft& draft, bool untrusted, const QString& reason)
{
    draft.untrusted = untrusted;
    draft.trustReason = untrusted ? reason : QString();
    draft.heldBack.clear();
    if (untrusted)
        for (auto it = draft.environment.begin(); it != draft.environment.end(); ++it)
            if (isSensitiveVariable(it.key()))
                draft.heldBack.insert(it.key());
}

QString PatchSummary::text() const
{
    return QStringLiteral("%1 %2 changed, +%3 \u2212%4 lines")
        .arg(files.size())
        .arg(files.size() == 1 ? QStringLiteral("file") : QStringLiteral("files"))
        .arg(added)
        .arg(removed);
}

PatchSummary summarizePatch(const QString& patch)
{
    PatchSummary out;
    PatchSummary::File* current = nullptr;
    bool inHunk = false;
    const QStringList lines = patch.split(u'\n');
    for (const QString& line : lines) {
        if (line.startsWith(QLatin1String("diff --git "))) {
            // "diff --git a/PATH b/PATH": the b/ side is the file as it is after the change.
            const qsizetype b = line.lastIndexOf(QLatin1String(" b/"));
            out.files.append({ b > 0 ? line.mid(b + 3) : line.mid(11), 0, 0, false });
            current = &out.files.last();
            inHunk = false;
        } else if (!current) {
            continue;
        } else if (line.startsWith(QLatin1String("@@"))) {
            inHunk = true;
        } else if (!inHunk && line.startsWith(QLatin1String("+++ ")) && line.size() > 6
            && line.mid(4) != QLatin1String("/dev/null")) {
            current->path = line.mid(line.startsWith(QLatin1String("+++ b/")) ? 6 : 4);
        } else if (line.startsWith(QLatin1String("Binary files ")) || line == QLatin1String("GIT binary patch")) {
            current->binary = true;
        } else if (inHunk && line.startsWith(u'+')) {
            ++current->added;
            ++out.added;
        } else if (inHunk && line.startsWith(u'-')) {
            ++current->removed;
            ++out.removed;
        }
    }
    return out;
}

bool isCommitId(const QString& commit)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{4,64}$"));
    return hex.match(commit).hasMatch();
}

RerunDraft makeRerunDraft(const RunRecord& run, const QString& source)
{
    RerunDraft draft;
    draft.source = source;
    draft.target = source;
    draft.originalId = run.uuid;
    draft.originalName = run.name;
    draft.project = run.project;
    draft.originalStatus = run.status;
    draft.argv = run.launch.argv;
    draft.workingDir = run.launch.workingDir;
    draft.environment = run.launch.environment;
    draft.recordedParams = run.params;
    draft.params = run.params;
    draft.code = run.code;
    draft.repository = run.code.root;
    draft.headNow = headOf(draft.repository);
    return draft;
}

Status applyParamEdit(RerunDraft& draft, const QString& assignment)
{
    const qsizetype eq = assignment.indexOf(u'=');
    if (eq <= 0)
        return Error { QStringLiteral("--set '") + assignment + QStringLiteral("': expected k=v"),
            QStringLiteral("e.g. --set seed=7") };
    const QString key = assignment.left(eq);
    const QString text = assignment.mid(eq + 1);
    ParamValue value = ParamValue::infer(text);
    // `--set lr=1` on a float param stays a float; a str param stays a str.
    if (auto recorded = draft.recordedParams.find(key); recorded != draft.recordedParams.end()) {
        const QString& type = recorded->type;
        bool ok = true;
        if (type == QLatin1String("float"))
            text.toDouble(&ok);
        else if (type == QLatin1String("int"))
            text.toLongLong(&ok);
        else if (type == QLatin1String("bool"))
            ok = text == QLatin1String("true") || text == QLatin1String("false");
        if (type == QLatin1String("str") || (ok && type != QLatin1String("json")))
            value = ParamValue { text, type };
    }
    draft.params.insert(key, value);
    return success();
}

void chooseWorkingDir(RerunDraft& draft, const QString& directory)
{
    draft.workingDir = QDir(directory).absolutePath();
    const GitResult top = runGit(draft.workingDir, { QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel") });
    if (top.ok) {
        draft.repository = top.out.trimmed();
        draft.headNow = headOf(draft.repository);
    }
}

QList<DraftProblem> checkRerunDraft(const RerunDraft& draft)
{
    using Fix = DraftProblem::Fix;
    QList<DraftProblem> problems;
    if (draft.argv.isEmpty() || draft.argv.first().isEmpty()) {
        problems << DraftProblem { QStringLiteral("run ") + draft.originalId
                + QStringLiteral(" has no launch spec: it was imported, or logged by a program Reprise did not start"),
            QStringLiteral("rerun it by hand and record it with `reprise run -- CMD`"), Fix::None };
        return problems;
    }
    const bool worktree = draft.runsInWorktree();
    if (worktree) {
        if (draft.code.commit.isEmpty()) {
            problems << DraftProblem { QStringLiteral("run ") + draft.originalId
                    + QStringLiteral(" has no recorded code version: there is no commit to run"),
                QStringLiteral("run it in place (--in-place)"), Fix::RunInPlace };
        } else if (!isCommitId(draft.code.commit)) {
            problems << DraftProblem { QStringLiteral("run ") + draft.originalId + QStringLiteral(" records '")
                    + draft.code.commit + QStringLiteral("' as its commit, which is not a commit id"),
                QStringLiteral("run it in place (--in-place), or check where this database came from"),
                Fix::RunInPlace };
        } else if (!isGitRepository(draft.repository)) {
            problems << DraftProblem { QStringLiteral("repository '") + draft.repository
                    + QStringLiteral("' no longer exists, so commit ") + shortCommit(draft.code.commit)
                    + QStringLiteral(" cannot be checked out"),
                QStringLiteral("choose a clone of the repository as working dir (--cwd DIR), or run in place "
                               "(--in-place)"),
                Fix::ChooseDirectory };
        } else if (!runGit(draft.repository,
                       { QStringLiteral("cat-file"), QStringLiteral("-e"), QStringLiteral("--end-of-options"),
                           draft.code.commit + QStringLiteral("^{commit}") })
                        .ok) {
            problems << DraftProblem { QStringLiteral("commit ") + shortCommit(draft.code.commit)
                    + QStringLiteral(" is not in repository '") + draft.repository
                    + QStringLiteral("' (history rewritten, or a shallow clone)"),
                QStringLiteral("fetch it (git fetch --all), or run in place (--in-place)"), Fix::RunInPlace };
        } else if (!draft.code.patch.isEmpty()) {
            // Check the patch against the commit without touching any work tree: a scratch index.
            QTemporaryFile index(QDir::tempPath() + QStringLiteral("/reprise-index-XXXXXX"));
            if (index.open()) {
                index.close();
                const QStringList env { QStringLiteral("GIT_INDEX_FILE=") + index.fileName() };
                const GitResult read = runGit(draft.repository,
                    { QStringLiteral("read-tree"), QStringLiteral("--end-of-options"), draft.code.commit }, {}, env);
                const GitResult check = read.ok ? runGit(draft.repository,
                                            { QStringLiteral("apply"), QStringLiteral("--cached"),
                                                QStringLiteral("--check"), QStringLiteral("--binary") },
                                            draft.code.patch.toUtf8(), env)
                                                : read;
                if (!check.ok)
                    problems << DraftProblem { QStringLiteral(
                                                   "the recorded uncommitted changes no longer apply to commit ")
                            + shortCommit(draft.code.commit) + QStringLiteral(": ") + firstLine(check.err),
                        QStringLiteral("run in place (--in-place), or commit the changes and record a new run"),
                        Fix::RunInPlace };
            }
        }
    } else if (!QFileInfo(draft.workingDir).isDir()) {
        problems << DraftProblem { QStringLiteral("working dir '") + draft.workingDir
                + QStringLiteral("' no longer exists"),
            QStringLiteral("choose a directory to run in (--cwd DIR)"), Fix::ChooseDirectory };
    }

    const QString program = draft.argv.first();
    if (!program.contains(u'/')) {
        if (QStandardPaths::findExecutable(program, searchPath(draft).split(u':', Qt::SkipEmptyParts)).isEmpty()
            && QStandardPaths::findExecutable(program).isEmpty())
            problems << DraftProblem { QStringLiteral("program '") + program
                    + QStringLiteral("' is not installed (not found on PATH)"),
                QStringLiteral("install it, or make it reachable on PATH, and check again"), Fix::EditCommand };
    } else {
        const QString base = draft.workingDir;
        const QString resolved = QDir(base).absoluteFilePath(program);
        const bool insideRepository = worktree && !draft.repository.isEmpty()
            && (resolved.startsWith(draft.repository + u'/') || resolved.startsWith(draft.code.root + u'/'));
        // A program inside the repository comes from the worktree; it is checked out with the commit.
        if (!insideRepository && !QFileInfo(resolved).isExecutable())
            problems << DraftProblem { QStringLiteral("program '") + resolved
                    + (QFileInfo::exists(resolved) ? QStringLiteral("' is not executable")
                                                   : QStringLiteral("' does not exist")),
                QStringLiteral("install it, or check the recorded command"), Fix::EditCommand };
    }
    return problems;
}

QString displayCommand(const QStringList& argv)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    QStringList out;
    for (const QString& arg : argv) {
        if (plain.match(arg).hasMatch())
            out << arg;
        else
            out << u'\'' + QString(arg).replace(u'\'', QStringLiteral("'\\''")) + u'\'';
    }
    return out.join(u' ');
}

bool isSensitiveVariable(const QString& name)
{
    // Each of these decides which program, library, module or start-up code runs.
    static const QStringList exact { QStringLiteral("PATH"), QStringLiteral("VIRTUAL_ENV"),
        QStringLiteral("CONDA_PREFIX"), QStringLiteral("PERL5LIB"), QStringLiteral("PERL5OPT"),
        QStringLiteral("PERLLIB"), QStringLiteral("RUBYLIB"), QStringLiteral("RUBYOPT"), QStringLiteral("NODE_OPTIONS"),
        QStringLiteral("NODE_PATH"), QStringLiteral("BASH_ENV"), QStringLiteral("ENV"), QStringLiteral("GCONV_PATH"),
        QStringLiteral("SHELL"), QStringLiteral("IFS"), QStringLiteral("JAVA_TOOL_OPTIONS"),
        QStringLiteral("_JAVA_OPTIONS"), QStringLiteral("JDK_JAVA_OPTIONS"), QStringLiteral("CLASSPATH"),
        QStringLiteral("LUA_PATH"), QStringLiteral("LUA_CPATH"), QStringLiteral("LUA_INIT"),
        QStringLiteral("R_PROFILE"), QStringLiteral("R_PROFILE_USER"), QStringLiteral("R_LIBS"),
        QStringLiteral("R_LIBS_USER"), QStringLiteral("TCLLIBPATH"), QStringLiteral("GIO_MODULE_DIR"),
        QStringLiteral("QT_PLUGIN_PATH"), QStringLiteral("HOME"), QStringLiteral("PYTHONPATH"),
        QStringLiteral("PYTHONHOME"), QStringLiteral("PYTHONSTARTUP"), QStringLiteral("PYTHONUSERBASE"),
        QStringLiteral("PYTHONINSPECT"), QStringLiteral("PYTHONBREAKPOINT"), QStringLiteral("PYTHONEXECUTABLE"),
        QStringLiteral("PYTHONPLATLIBDIR"),
        QStringLiteral("PYTHONWARNINGS"), // a warning category names a module, which is imported
        QStringLiteral("PYTHONPYCACHEPREFIX") };
    return exact.contains(name) || name.startsWith(QLatin1String("LD_")) || name.startsWith(QLatin1String("DYLD_"))
        || name.startsWith(QLatin1String("GIT_"));
}

bool isUntrustedSource(const QString& path, bool openedReadOnly, QString* reason)
{
    const auto say = [reason](const QString& why) {
        if (reason)
            *reason = why;
        return true;
    };
    if (openedReadOnly)
        return say(QStringLiteral("it was opened read-only, as a shared database"));
    const QByteArray local = QFile::encodeName(path);
    struct stat info = {};
    if (::stat(local.constData(), &info) != 0)
        return say(QStringLiteral("it cannot be inspected"));
    if (info.st_uid != ::getuid())
        return say(QStringLiteral("it belongs to another user (uid %1)").arg(info.st_uid));
    if (::access(local.constData(), W_OK) != 0)
        return say(QStringLiteral("you cannot write to it"));
    if (Database::isOnNetworkFileSystem(path))
        return say(QStringLiteral("it is on a network file system"));
    if (reason)
        reason->clear();
    return false;
}

Result<PreparedRerun> prepareRerun(const RerunDraft& draft, const QProcessEnvironment& environment)
{
    PreparedRerun prepared;
    prepared.repository = draft.repository;
    QString workingDir = draft.workingDir;
    QString from, to;
    if (draft.runsInWorktree()) {
        QTemporaryDir parent(QDir::tempPath() + QStringLiteral("/reprise-rerun-XXXXXX"));
        if (!parent.isValid())
            return Error {
                QStringLiteral("cannot create a temporary directory for the worktree: ") + parent.errorString(),
                QStringLiteral("free space in ") + QDir::tempPath() + QStringLiteral(", or run in place (--in-place)")
            };
        parent.setAutoRemove(false);
        // The worktree is named like the repository, so tracebacks and logs read naturally.
        const QString worktree = parent.path() + u'/' + QFileInfo(draft.repository).fileName();
        const GitResult add = runGit(draft.repository,
            { QStringLiteral("worktree"), QStringLiteral("add"), QStringLiteral("--detach"),
                QStringLiteral("--end-of-options"), worktree, draft.code.commit });
        if (!add.ok) {
            QDir(parent.path()).removeRecursively();
            return Error { QStringLiteral("cannot check out commit ") + shortCommit(draft.code.commit)
                    + QStringLiteral(" in a worktree: ") + firstLine(add.err),
                QStringLiteral("run in place (--in-place)") };
        }
        prepared.worktree = worktree;
        if (!draft.code.patch.isEmpty()) {
            const GitResult apply
                = runGit(worktree, { QStringLiteral("apply"), QStringLiteral("--binary") }, draft.code.patch.toUtf8());
            if (!apply.ok) {
                (void)removeWorktree(prepared);
                return Error { QStringLiteral("the recorded uncommitted changes do not apply to commit ")
                        + shortCommit(draft.code.commit) + QStringLiteral(": ") + firstLine(apply.err),
                    QStringLiteral("run in place (--in-place)") };
            }
        }
        workingDir = worktreeWorkingDir(draft, worktree);
        // A working dir that git does not track (a build folder) is not in the worktree: make it.
        QDir().mkpath(workingDir);
        from = draft.workingDir.startsWith(draft.repository) ? draft.repository : draft.code.root;
        to = worktree;
    }

    QProcessEnvironment childEnvironment = environment;
    const QMap<QString, QString> overrides = draft.appliedEnvironment();
    for (auto it = overrides.begin(); it != overrides.end(); ++it)
        childEnvironment.insert(it.key(), mapPathList(*it, from, to));

    LaunchRequest& request = prepared.request;
    request.dbPath = draft.target.isEmpty() ? draft.source : draft.target;
    request.environment = childEnvironment;
    request.nameGiven = true;
    request.projectGiven = true;
    NewRun& run = request.run;
    run.project = draft.project;
    run.name = draft.originalName;
    run.kind = QStringLiteral("rerun");
    run.tags = draft.tags;
    // The parent link is a row of the same database; a rerun recorded elsewhere names it in tags.
    if (QFileInfo(request.dbPath) == QFileInfo(draft.source)) {
        run.parentUuid = draft.originalId;
    } else {
        run.tags.insert(QStringLiteral("rerun.parent"), draft.originalId);
        run.tags.insert(QStringLiteral("rerun.parent_source"),
            draft.sourceLocation.isEmpty() ? QFileInfo(draft.source).absoluteFilePath() : draft.sourceLocation);
    }
    run.params = draft.params;
    // Recorded: the command as the user knows it. Executed: the same with paths into the worktree.
    run.launch.argv = draft.argv;
    run.launch.workingDir = draft.workingDir;
    run.launch.environment = overrides; // what it really ran with
    for (const QString& arg : draft.argv)
        request.execArgv << mapInto(arg, from, to);
    request.execWorkingDir = workingDir;
    run.user = currentUserName();
    run.host = localHostName();
    run.pid = QCoreApplication::applicationPid();
    // The code version is what actually ran (asked of git in the worktree), filed under the real
    // repository so that a rerun of this rerun finds its commit.
    run.code = captureCodeVersion(workingDir);
    if (!prepared.worktree.isEmpty())
        run.code.root = draft.repository;
    run.tags.insert(QStringLiteral("rerun.mode"),
        prepared.worktree.isEmpty() ? QStringLiteral("in-place") : QStringLiteral("worktree"));
    if (!prepared.worktree.isEmpty())
        run.tags.insert(QStringLiteral("rerun.worktree"), prepared.worktree);
    const auto edited = draft.editedParams();
    if (!edited.isEmpty())
        run.tags.insert(QStringLiteral("rerun.edited"), QStringList(edited.keys()).join(u','));
    return prepared;
}

Status removeWorktree(const PreparedRerun& rerun)
{
    if (rerun.worktree.isEmpty())
        return success();
    const GitResult remove = runGit(rerun.repository,
        { QStringLiteral("worktree"), QStringLiteral("remove"), QStringLiteral("--force"), rerun.worktree });
    // The temporary parent folder goes too; prune forgets a worktree whose folder vanished anyway.
    QDir(QFileInfo(rerun.worktree).path()).removeRecursively();
    (void)runGit(rerun.repository, { QStringLiteral("worktree"), QStringLiteral("prune") });
    if (!remove.ok)
        return Error { QStringLiteral("cannot remove worktree '") + rerun.worktree + QStringLiteral("': ")
                + firstLine(remove.err),
            QStringLiteral("remove it with `git worktree remove --force ") + rerun.worktree + u'`' };
    return success();
}

} // namespace reprise
