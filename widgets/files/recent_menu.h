#pragma once

#include <QMenu>

namespace reprise {

/// File ▸ Open Recent: the last sources opened, newest first, at most kMaxRecent. Paths are shown as
/// plain text (an '&' in one is not a mnemonic, control characters are shown escaped).
class RecentMenu : public QMenu {
    Q_OBJECT
public:
    static constexpr int kMaxRecent = 10;

    explicit RecentMenu(const QString& title, QWidget* parent = nullptr);

    QStringList paths() const { return m_paths; }
    void setPaths(const QStringList& paths);
    /// Puts `path` first.
    void remember(const QString& path);

Q_SIGNALS:
    void chosen(const QString& path);

private:
    void fill();

    QStringList m_paths;
};

} // namespace reprise
