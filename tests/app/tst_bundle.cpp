// Reproduction bundles end to end with the real `reprise`: the digits example recorded in a git
// repository of the test's own, bundled, the bundle copied to another folder and the repository and
// database removed, rerun from the bundle and reported reproduced bit-identical; hostile archives
// (../ paths, absolute paths, links out of the tree, a 10 GB sparse member) refused with a message,
// nothing written outside (nor inside: the folder a bundle unpacks into stays empty).

#include "bundle/tar_archive.h"
#include "cli_process.h"
#include "example_repository.h"

#include <QBuffer>
#include <QDir>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace reprise;

namespace {

QProcessEnvironment withTmp(const QString& tmp)
{
    QProcessEnvironment env = baseEnvironment();
    env.insert(QStringLiteral("TMPDIR"), tmp);
    return env;
}

bool isEmptyFolder(const QString& dir)
{
    return QDir(dir).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
}

/// A ustar header whose size field says `size` in GNU's base-256 form (as for members of 8 GiB and more).
QByteArray hugeHeader(const QByteArray& name, quint64 size)
{
    QByteArray b(512, '\0');
    std::memcpy(b.data(), name.constData(), size_t(name.size()));
    std::memcpy(b.data() + 100, "0000644", 7);
    std::memcpy(b.data() + 108, "0000000", 7);
    std::memcpy(b.data() + 116, "0000000", 7);
    b[124] = char(0x80);
    for (int i = 0; i < 8; ++i)
        b[135 - i] = char((size >> (8 * i)) & 0xff);
    std::memcpy(b.data() + 136, "00000000000", 11);
    b[156] = '0';
    std::memcpy(b.data() + 257, "ustar", 6);
    std::memcpy(b.data() + 263, "00", 2);
    std::memset(b.data() + 148, ' ', 8);
    quint32 sum = 0;
    for (char c : b)
        sum += quint8(c);
    const QByteArray digits = QByteArray::number(sum, 8).rightJustified(6, '0');
    std::memcpy(b.data() + 148, digits.constData(), 6);
    b[154] = '\0';
    return b;
}

} // namespace

class TestBundle : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void digitsRunRerunsFromItsBundleElsewhere();
    void hostileArchivesAreRefused_data();
    void hostileArchivesAreRefused();

private:
    QTemporaryDir m_dir;
};

void TestBundle::initTestCase() { QVERIFY(m_dir.isValid()); }

void TestBundle::digitsRunRerunsFromItsBundleElsewhere()
{
    // The laptop: a repository, a database, one recorded run.
    const QString laptop = m_dir.filePath(QStringLiteral("laptop"));
    const QString repo = laptop + QStringLiteral("/digits");
    const QString db = laptop + QStringLiteral("/runs.db");
    makeExampleRepository(repo);
    const Outcome recorded = runReprise({ "run", "--db", db, "--", REPRISE_PYTHON, "train.py" }, repo);
    QVERIFY2(recorded.exitCode == 0, qPrintable(recorded.err));
    const QString original = runIdFrom(recorded.err);
    QVERIFY(!original.isEmpty());
    const QString laptopBundle = laptop + QStringLiteral("/run.tar");
    const Outcome bundled = runReprise({ "bundle", original.left(8), "-o", laptopBundle, "--db", db, "--json" });
    QVERIFY2(bundled.exitCode == 0, qPrintable(bundled.err));
    const QJsonObject written = QJsonDocument::fromJson(bundled.out.toUtf8()).object();
    QVERIFY(written.value(QStringLiteral("has_code")).toBool());
    QCOMPARE(written.value(QStringLiteral("run")).toString(), original);

    // The node: only the bundle; the laptop's repository and database are gone.
    const QString node = m_dir.filePath(QStringLiteral("node"));
    const QString tmp = node + QStringLiteral("/tmp");
    QVERIFY(QDir().mkpath(tmp));
    const QString bundle = node + QStringLiteral("/run.tar");
    QVERIFY(QFile::copy(laptopBundle, bundle));
    QVERIFY(QDir(laptop).removeRecursively());
    const QString nodeDb = node + QStringLiteral("/runs.db");

    // Without a confirmation nothing runs (and nothing is recorded).
    const Outcome unconfirmed
        = runReprise({ "rerun", "--bundle", bundle, "--db", nodeDb, "--wait" }, node, withTmp(tmp));
    QCOMPARE(unconfirmed.exitCode, 1);
    QVERIFY2(unconfirmed.err.contains(QStringLiteral("not confirmed")), qPrintable(unconfirmed.err));
    QVERIFY(unconfirmed.out.contains(QStringLiteral("UNTRUSTED")));
    QVERIFY(!QFileInfo::exists(nodeDb));
    QVERIFY(isEmptyFolder(tmp)); // the unpacked code went again

    const Outcome rerun
        = runReprise({ "rerun", "--bundle", bundle, "--db", nodeDb, "--wait", "--yes", "--json" }, node, withTmp(tmp));
    QVERIFY2(rerun.exitCode == 0, qPrintable(rerun.err));
    const QJsonObject result = QJsonDocument::fromJson(rerun.out.toUtf8()).object();
    const QJsonObject report = result.value(QStringLiteral("report")).toObject();
    QCOMPARE(report.value(QStringLiteral("verdict")).toString(), QStringLiteral("reproduced"));
    QVERIFY(report.value(QStringLiteral("exact")).toBool()); // bit-identical
    // Interpreter and packages were checked, and are the same here.
    const QJsonArray runtime = result.value(QStringLiteral("runtime")).toArray();
    QVERIFY(!runtime.isEmpty());
    for (const QJsonValue& check : runtime)
        QVERIFY2(check.toObject().value(QStringLiteral("same")).toBool(),
            qPrintable(check.toObject().value(QStringLiteral("what")).toString()));

    // The bundled run was imported first, as the rerun's parent; its metrics came with it.
    const QString rerunId = result.value(QStringLiteral("run")).toString();
    const QJsonObject shown = showJson(nodeDb, rerunId);
    QCOMPARE(shown.value(QStringLiteral("parent")).toString(), original);
    const QJsonObject originalShown = showJson(nodeDb, original);
    QCOMPARE(originalShown.value(QStringLiteral("id")).toString(), original);
    QCOMPARE(originalShown.value(QStringLiteral("metrics")).toObject().size(), 7);

    // A second rerun of the same bundle imports the bundled run no second time.
    const Outcome again
        = runReprise({ "rerun", "--bundle", bundle, "--db", nodeDb, "--wait", "--yes", "--json" }, node, withTmp(tmp));
    QVERIFY2(again.exitCode == 0, qPrintable(again.err));
    const Outcome list = runReprise({ "ls", "--db", nodeDb, "--json" });
    QCOMPARE(QJsonDocument::fromJson(list.out.toUtf8()).array().size(), 3);
}

void TestBundle::hostileArchivesAreRefused_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("../ path") << "dotdot"
                              << "'..'";
    QTest::newRow("absolute path") << "absolute"
                                   << "an absolute path";
    QTest::newRow("symbolic link out of the tree") << "link-out"
                                                   << "symbolic link out of the folder";
    QTest::newRow("symbolic link to an absolute path") << "link-absolute"
                                                       << "symbolic link to an absolute path";
    QTest::newRow("file through a symbolic link") << "through-link"
                                                  << "through the symbolic link";
    QTest::newRow("10 GB sparse member (GNU tar)") << "sparse-gnu"
                                                   << "sparse";
    QTest::newRow("10 GB sparse member (pax)") << "sparse-pax"
                                               << "sparse";
    QTest::newRow("10 GB member header") << "huge"
                                         << "10737418240 bytes";
}

void TestBundle::hostileArchivesAreRefused()
{
    QFETCH(QString, kind);
    QFETCH(QString, message);
    const QString base = m_dir.filePath(QStringLiteral("hostile-") + kind);
    const QString tmp = base + QStringLiteral("/tmp");
    const QString work = base + QStringLiteral("/work/deeper");
    QVERIFY(QDir().mkpath(tmp) && QDir().mkpath(work));
    const QString victim = base + QStringLiteral("/victim.txt");
    const QString archive = base + QStringLiteral("/hostile.tar");
    const QByteArray manifest = R"({"format": "reprise-bundle", "version": 1})";

    if (kind.startsWith(QLatin1String("sparse"))) {
        // A real 10 GB sparse file, archived by GNU tar (holes take no room on disk or in the archive).
        const QString big = base + QStringLiteral("/big");
        QFile f(big);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize(qint64(10) << 30));
        f.close();
        QProcess tar;
        tar.setWorkingDirectory(base);
        tar.start(QStringLiteral("tar"),
            { kind == QLatin1String("sparse-pax") ? QStringLiteral("--format=pax") : QStringLiteral("--format=gnu"),
                QStringLiteral("--sparse"), QStringLiteral("-cf"), archive, QStringLiteral("big") });
        QVERIFY(tar.waitForFinished(120000));
        QCOMPARE(tar.exitCode(), 0);
        QFile::remove(big);
        QVERIFY(QFileInfo(archive).size() < (qint64(1) << 20));
    } else {
        QFile out(archive);
        QVERIFY(out.open(QIODevice::WriteOnly));
        if (kind == QLatin1String("huge")) {
            out.write(hugeHeader("reprise-bundle/huge.bin", quint64(10) << 30));
            out.write(QByteArray(1024, '\0'));
        } else {
            TarWriter tar(&out);
            QVERIFY(tar.addFile(QStringLiteral("reprise-bundle/manifest.json"), manifest));
            if (kind == QLatin1String("dotdot"))
                QVERIFY(tar.addFile(QStringLiteral("reprise-bundle/../../../victim.txt"), "owned\n"));
            else if (kind == QLatin1String("absolute"))
                QVERIFY(tar.addFile(victim, "owned\n"));
            else if (kind == QLatin1String("link-out"))
                QVERIFY(tar.addSymlink(QStringLiteral("reprise-bundle/link"), QStringLiteral("../../..")));
            else if (kind == QLatin1String("link-absolute"))
                QVERIFY(tar.addSymlink(QStringLiteral("reprise-bundle/link"), base));
            else if (kind == QLatin1String("through-link")) {
                QVERIFY(tar.addSymlink(QStringLiteral("reprise-bundle/link"), QStringLiteral("code")));
                QVERIFY(tar.addFile(QStringLiteral("reprise-bundle/link/victim.txt"), "owned\n"));
            }
            QVERIFY(tar.finish());
        }
    }

    const QString db = base + QStringLiteral("/runs.db");
    const Outcome o = runReprise(
        { "rerun", "--bundle", archive, "--db", db, "--wait", "--yes", "--cwd", work }, work, withTmp(tmp));
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.err.startsWith(QStringLiteral("reprise: ")) && o.err.contains(message), qPrintable(o.err));
    QVERIFY2(o.err.contains(QStringLiteral("nothing was unpacked")), qPrintable(o.err));
    // Nothing written: not outside, not in the temporary folder, no database.
    QVERIFY(!QFileInfo::exists(victim));
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/work/victim.txt")));
    QVERIFY(isEmptyFolder(tmp));
    QVERIFY(isEmptyFolder(work));
    QVERIFY(!QFileInfo::exists(db));
}

QTEST_GUILESS_MAIN(TestBundle)
#include "tst_bundle.moc"
