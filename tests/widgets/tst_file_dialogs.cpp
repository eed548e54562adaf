// The application's file dialogs list a folder holding an open run database without opening its
// files: SQLite's POSIX locks in this process survive, so another process closing its connection
// does not take the write-ahead log away from under us. Detection of another source does the same.

#include "files/file_dialogs.h"
#include "import/source_reader.h"
#include "store/open_database_files.h"
#include "store/run_store.h"

#include <QFile>
#include <QFileDialog>
#include <QFileSystemModel>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace reprise;

namespace {

/// Another process opens the database, reads, and closes. When this process has lost its locks,
/// that process believes it is the last user: it checkpoints and deletes the `-wal` file.
bool anotherProcessOpensAndCloses(const QString& path)
{
    QProcess sqlite;
    sqlite.start(QStringLiteral("sqlite3"), { path, QStringLiteral("SELECT count(*) FROM runs;") });
    return sqlite.waitForFinished(30000) && sqlite.exitStatus() == QProcess::NormalExit && sqlite.exitCode() == 0;
}

} // namespace

class TestFileDialogs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void lockLossIsWhatTheTestDetects();
    void listingAFolderKeepsTheLocks();
    void detectingAnOpenDatabaseKeepsTheLocks();
    void registryKnowsOtherSpellings();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::optional<RunStore> m_store;
    QString m_db;
};

void TestFileDialogs::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_db = m_dir->filePath(QStringLiteral("runs.db"));
    auto store = RunStore::open(m_db, OpenMode::Create);
    QVERIFY(store);
    NewRun run;
    run.name = QStringLiteral("first");
    run.startTime = 1.7e9;
    auto created = store->createRun(run);
    QVERIFY(created);
    m_store.emplace(std::move(*store));
    QVERIFY(QFileInfo::exists(m_db + QStringLiteral("-wal")));
}

void TestFileDialogs::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

void TestFileDialogs::lockLossIsWhatTheTestDetects()
{
    // What Qt's own dialog does when it sniffs a file's type: open, read, close.
    QFile sniff(m_db);
    QVERIFY(sniff.open(QIODevice::ReadOnly));
    sniff.read(64);
    sniff.close();
    QVERIFY(anotherProcessOpensAndCloses(m_db));
    QVERIFY2(!QFileInfo::exists(m_db + QStringLiteral("-wal")),
        "closing a descriptor no longer drops the locks: this test would not see a regression");
}

void TestFileDialogs::listingAFolderKeepsTheLocks()
{
    std::unique_ptr<QFileDialog> dialog(createFileDialog(nullptr, QStringLiteral("Open runs"), m_dir->path()));
    QVERIFY(dialog->testOption(QFileDialog::DontUseNativeDialog));
    dialog->show();
    auto* model = dialog->findChild<QFileSystemModel*>();
    QVERIFY(model);
    // Every entry listed with its type: the moment Qt's provider would have read the files.
    const QStringList names
        = { QStringLiteral("runs.db"), QStringLiteral("runs.db-wal"), QStringLiteral("runs.db-shm") };
    for (const QString& name : names) {
        QTRY_VERIFY_WITH_TIMEOUT(model->index(m_dir->filePath(name)).isValid(), 10000);
        const QModelIndex index = model->index(m_dir->filePath(name));
        QTRY_VERIFY_WITH_TIMEOUT(!model->type(index).isEmpty(), 10000);
        QVERIFY(!model->fileIcon(index).isNull());
    }
    QCOMPARE(model->type(model->index(m_db)), QStringLiteral("db File"));
    dialog->reject();
    dialog.reset();

    QVERIFY(anotherProcessOpensAndCloses(m_db));
    QVERIFY2(QFileInfo::exists(m_db + QStringLiteral("-wal")), "the dialog dropped SQLite's locks");
    NewRun run;
    run.name = QStringLiteral("second");
    QVERIFY(m_store->createRun(run));
    m_store.reset();
    auto reread = RunStore::open(m_db, OpenMode::ReadOnly);
    QVERIFY(reread);
    auto count = reread->database().prepare("SELECT count(*) FROM runs");
    QVERIFY(count && count->step() == SQLITE_ROW);
    QCOMPARE(count->int64(0), 2);
}

void TestFileDialogs::detectingAnOpenDatabaseKeepsTheLocks()
{
    // Under every spelling: as given, through `..`, through a link, and its companion files.
    const QString other = m_dir->filePath(QStringLiteral("sub/../runs.db"));
    QVERIFY(QDir().mkpath(m_dir->filePath(QStringLiteral("sub"))));
    const QString link = m_dir->filePath(QStringLiteral("link.db"));
    QVERIFY(QFile::link(m_db, link));
    for (const QString& path : { m_db, other, link })
        QCOMPARE(int(detectSource(path)), int(SourceKind::Reprise));
    for (const QString& path : QStringList { m_db + QStringLiteral("-wal"), m_db + QStringLiteral("-shm") })
        QCOMPARE(int(detectSource(path)), int(SourceKind::Unknown));
    QVERIFY(readWholeFile(m_db + QStringLiteral("-wal")).isEmpty());

    QVERIFY(anotherProcessOpensAndCloses(m_db));
    QVERIFY2(QFileInfo::exists(m_db + QStringLiteral("-wal")), "detection dropped SQLite's locks");
}

void TestFileDialogs::registryKnowsOtherSpellings()
{
    QVERIFY(isOpenDatabaseFile(m_db));
    QVERIFY(isOpenDatabaseFile(m_dir->filePath(QStringLiteral("./runs.db"))));
    QVERIFY(isOpenDatabaseFile(m_db + QStringLiteral("-shm")));
    QVERIFY(isOpenDatabaseFile(m_db + QStringLiteral("-journal"))); // even before it exists
    QVERIFY(!isOpenDatabaseFile(m_dir->filePath(QStringLiteral("other.db"))));
    m_store.reset();
    QVERIFY(!isOpenDatabaseFile(m_db));
}

QTEST_MAIN(TestFileDialogs)
#include "tst_file_dialogs.moc"
