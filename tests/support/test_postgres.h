#pragma once

// A real PostgreSQL server of the tests' own: initdb and pg_ctl into a temporary folder, listening
// on a Unix socket there only (no port to collide with another test binary), stopped and removed
// at the end. PostgreSQL refuses to run as root, and CI runs as root: then the server runs as
// `nobody` (runuser), its folder handed to that user.
//
// Logins: reprise_admin (superuser, created by initdb), and whatever addLogin() makes; all by
// trust on the socket except logins made with a password, which need it (scram-sha-256).

#include <QDir>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#ifndef REPRISE_PG_BINDIR
#error "REPRISE_PG_BINDIR must name the folder of initdb and pg_ctl"
#endif

namespace reprise::test {

class TestPostgres {
public:
    TestPostgres() = default;
    TestPostgres(const TestPostgres&) = delete;
    TestPostgres& operator=(const TestPostgres&) = delete;
    ~TestPostgres() { stop(); }

    /// Starts the server; false with `error` set when it cannot.
    bool start(QString& error, const QStringList& settings = {})
    {
        if (!m_dir.isValid()) {
            error = QStringLiteral("cannot create a temporary folder");
            return false;
        }
        m_asRoot = ::geteuid() == 0;
        if (m_asRoot) {
            const passwd* nobody = ::getpwnam("nobody");
            if (!nobody || ::chown(QFile::encodeName(m_dir.path()).constData(), nobody->pw_uid, nobody->pw_gid) != 0) {
                error = QStringLiteral("cannot hand %1 to the user nobody").arg(m_dir.path());
                return false;
            }
        }
        if (!tool(QStringLiteral("initdb"),
                { QStringLiteral("-D"), dataDir(), QStringLiteral("-U"), QStringLiteral("reprise_admin"),
                    QStringLiteral("--auth=trust"), QStringLiteral("-E"), QStringLiteral("UTF8"),
                    QStringLiteral("--no-locale"), QStringLiteral("-N") },
                error))
            return false;
        // Password logins first (the first matching line wins), everyone else by trust.
        QFile hba(dataDir() + QStringLiteral("/pg_hba.conf"));
        if (!hba.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            error = QStringLiteral("cannot write pg_hba.conf");
            return false;
        }
        hba.write("local all +password_logins scram-sha-256\nlocal all all trust\n");
        hba.close();
        QStringList options = { QStringLiteral("-c listen_addresses=''"), QStringLiteral("-k ") + m_dir.path(),
            QStringLiteral("-c fsync=off"), QStringLiteral("-c full_page_writes=off"),
            QStringLiteral("-c max_connections=40") };
        for (const QString& setting : settings)
            options << QStringLiteral("-c ") + setting;
        m_options = options.join(u' ');
        if (!resume(error))
            return false;
        return psql(QStringLiteral("CREATE ROLE password_logins NOLOGIN"), error);
    }

    /// Starts the server again after stop(), with its data as it was (a server back after an outage).
    bool resume(QString& error)
    {
        if (!tool(QStringLiteral("pg_ctl"),
                { QStringLiteral("-D"), dataDir(), QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("60"),
                    QStringLiteral("-l"), m_dir.path() + QStringLiteral("/server.log"), QStringLiteral("-o"), m_options,
                    QStringLiteral("start") },
                error))
            return false;
        m_running = true;
        return true;
    }

    /// Stops the server at once (its data stays until the object goes; resume() starts it again).
    void stop()
    {
        if (!m_running)
            return;
        QString ignored;
        tool(QStringLiteral("pg_ctl"),
            { QStringLiteral("-D"), dataDir(), QStringLiteral("-m"), QStringLiteral("immediate"), QStringLiteral("-w"),
                QStringLiteral("stop") },
            ignored);
        m_running = false;
    }

    /// The socket folder (libpq's host).
    QString socketDir() const { return m_dir.path(); }

    /// A key/value location of database `db` for `login`.
    QString location(const QString& db, const QString& login = QStringLiteral("reprise_admin")) const
    {
        return QStringLiteral("host=%1 dbname=%2 user=%3").arg(m_dir.path(), db, login);
    }

    /// Runs SQL as the superuser on database `db` (postgres by default) through psql.
    bool psql(const QString& sql, QString& error, const QString& db = QStringLiteral("postgres")) const
    {
        QProcess p;
        p.start(QStringLiteral(REPRISE_PG_BINDIR "/psql"),
            { QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-v"), QStringLiteral("ON_ERROR_STOP=1"),
                QStringLiteral("-d"), location(db), QStringLiteral("-c"), sql });
        if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            error = QStringLiteral("psql: ") + QString::fromUtf8(p.readAllStandardError());
            return false;
        }
        return true;
    }

    /// A new empty database.
    bool createDatabase(const QString& name, QString& error) const
    {
        return psql(QStringLiteral("CREATE DATABASE \"%1\"").arg(name), error);
    }

    /// A login in the group role `role` (reprise_writer / reprise_reader, once a store made them);
    /// with a password it must give it (PGPASSFILE, ~/.pgpass).
    bool addLogin(const QString& login, const QString& role, QString& error, const QString& password = {}) const
    {
        QString sql = QStringLiteral("CREATE ROLE \"%1\" LOGIN").arg(login);
        if (!password.isEmpty())
            sql += QStringLiteral(" PASSWORD '%1' IN ROLE password_logins").arg(password);
        if (!psql(sql, error))
            return false;
        return role.isEmpty() || psql(QStringLiteral("GRANT %1 TO \"%2\"").arg(role, login), error);
    }

private:
    QString dataDir() const { return m_dir.path() + QStringLiteral("/data"); }

    bool tool(const QString& name, const QStringList& args, QString& error) const
    {
        QProcess p;
        const QString program = QStringLiteral(REPRISE_PG_BINDIR "/") + name;
        if (m_asRoot)
            p.start(QStringLiteral("runuser"),
                QStringList { QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--"), program } + args);
        else
            p.start(program, args);
        if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            error
                = name + QStringLiteral(": ") + QString::fromUtf8(p.readAllStandardError() + p.readAllStandardOutput());
            return false;
        }
        return true;
    }

    QTemporaryDir m_dir;
    bool m_asRoot = false;
    bool m_running = false;
    QString m_options; ///< the server's settings, for resume()
};

} // namespace reprise::test
