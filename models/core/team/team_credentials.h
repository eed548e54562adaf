#pragma once

#include "result.h"

#include <QByteArray>
#include <QString>
#include <optional>

struct pg_conn;

namespace reprise {

class PgConnection;

// Team store passwords in the desktop keyring (the Secret Service: GNOME Keyring, KWallet, …,
// through QtKeychain), for logins that libpq finds no password for (~/.pgpass, PGPASSFILE, a
// service file). One entry per login and store: service "reprise", key "user@host:port/database"
// (host is the socket folder for a Unix socket). Never a plain file, never the settings: with no
// keyring to ask, the calls fail and say so. Each call waits for the keyring in a local event loop
// (a QCoreApplication must exist), on any thread.

/// The keyring's key of a login: "user@host:port/database".
QString teamCredentialKey(const QString& user, const QString& host, const QString& port, const QString& database);
/// The key of a connection (made or failed) as libpq resolved its location.
QString teamCredentialKey(pg_conn* conn);
/// The key of a location as libpq resolves it (its defaults, PG* variables, service files),
/// without waiting for the server.
Result<QString> teamCredentialKeyOf(const QString& location);
/// Whether the server asked this connection for a password.
bool connectionUsedPassword(const PgConnection& conn);

/// Why no desktop keyring can be asked here (no D-Bus session bus), or empty when one may be.
QString keyringUnavailableReason();
/// The password the keyring holds for `key`; nullopt when it holds none; an Error when there is
/// no keyring to ask or it failed.
Result<std::optional<QByteArray>> readTeamPassword(const QString& key);
/// Stores (or replaces) the password for `key`.
Status storeTeamPassword(const QString& key, const QByteArray& password);
/// Removes the entry of `key`: true when there was one.
Result<bool> forgetTeamPassword(const QString& key);

/// What to do when no keyring can hold a password: libpq's own password file.
QString pgpassHint();

} // namespace reprise
