#include "launch/git_info.h"

#include <QProcess>

namespace reprise {

namespace {

    /// Runs git in `directory`; returns stdout, or a null string when git fails.
    QString git(const QString& directory, const QStringList& args)
    {
        GitResult result = runGit(directory, args);
        if (!result.ok)
            return {};
        return result.out.isNull() ? QStringLiteral("") : result.out;
    }

} // namespace

GitResult runGit(
    const QString& directory, const QStringList& args, const QByteArray& input, const QStringList& extraEnvironment)
{
    QProcess process;
    process.setWorkingDirectory(directory);
    if (!extraEnvironment.isEmpty()) {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const QString& assignment : extraEnvironment)
            environment.insert(assignment.section(u'=', 0, 0), assignment.section(u'=', 1));
        process.setProcessEnvironment(environment);
    }
    process.start(QStringLiteral("git"), args);
    GitResult result;
    if (!process.waitForStarted(30000)) {
        result.err = QStringLiteral("cannot run git (") + process.errorString() + u')';
        return result;
    }
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished(1000);
        result.err = QStringLiteral("git ") + args.value(0) + QStringLiteral(" did not finish within 60 s");
        return result;
    }
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError()).trimmed();
    result.ok = process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    return result;
}

CodeVersion captureCodeVersion(const QString& directory)
{
    CodeVersion code;
    const QString root = git(directory, { QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel") });
    if (root.isNull())
        return code;
    code.root = root.trimmed();
    const QString head
        = git(directory, { QStringLiteral("rev-parse"), QStringLiteral("--verify"), QStringLiteral("HEAD") });
    code.commit = head.trimmed();
    const QString branch = git(directory,
        { QStringLiteral("symbolic-ref"), QStringLiteral("--short"), QStringLiteral("-q"), QStringLiteral("HEAD") });
    code.branch = branch.trimmed();
    const QString status = git(directory, { QStringLiteral("status"), QStringLiteral("--porcelain") });
    code.dirty = !status.trimmed().isEmpty();
    if (code.dirty && !code.commit.isEmpty())
        code.patch = git(directory, { QStringLiteral("diff"), QStringLiteral("HEAD"), QStringLiteral("--binary") });
    return code;
}

} // namespace reprise
