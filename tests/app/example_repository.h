#pragma once
// The digits example (examples/digits) in a real git repository of a test's own, recorded by a real
// `reprise run`: what the rerun tests start from.

#include "cli_process.h"

#include <QDir>

inline const QString kExample = QStringLiteral(REPRISE_SOURCE_DIR "/examples/digits");

inline void commitAll(const QString& repo, const QString& message)
{
    git(repo, { "add", "-A" });
    git(repo, { "commit", "-q", "-m", message });
}

/// An empty git repository with an identity to commit with.
inline void initRepository(const QString& repo)
{
    QVERIFY(QDir().mkpath(repo));
    git(repo, { "init", "-q" });
    git(repo, { "config", "user.email", "test@example.org" });
    git(repo, { "config", "user.name", "Test" });
}

/// A git repository holding the digits example, one commit.
inline void makeExampleRepository(const QString& repo)
{
    QVERIFY(QDir().mkpath(repo));
    for (const QString& name : { QStringLiteral("train.py"), QStringLiteral(".gitignore") })
        QVERIFY(QFile::copy(kExample + u'/' + name, repo + u'/' + name));
    initRepository(repo);
    commitAll(repo, QStringLiteral("digits example"));
}

inline void replaceInFile(const QString& path, const QByteArray& from, const QByteArray& to)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray text = f.readAll();
    f.close();
    QVERIFY2(text.contains(from), from.constData());
    text.replace(from, to);
    writeFile(path, text);
}

/// The example repository with one recorded run, then a code change committed on top (a harder
/// learning-rate cut: not a param, so only running the old commit reproduces the run).
/// Returns the recorded run's id; `firstCommit` gets the commit it ran.
inline QString recordExampleThenChangeIt(const QString& repo, const QString& db, QString& firstCommit)
{
    makeExampleRepository(repo);
    firstCommit = gitOutput(repo, { "rev-parse", "HEAD" });
    const Outcome o = runReprise({ "run", "--db", db, "--", REPRISE_PYTHON, "train.py" }, repo);
    if (o.exitCode != 0) {
        qWarning() << o.err;
        return {};
    }
    replaceInFile(repo + QStringLiteral("/train.py"), "lr /= float(p[\"lr_drop_factor\"])",
        "lr /= 2 * float(p[\"lr_drop_factor\"])");
    commitAll(repo, QStringLiteral("harder learning-rate cut"));
    return runIdFrom(o.err);
}
