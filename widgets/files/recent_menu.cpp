#include "files/recent_menu.h"

#include "text/display_text.h"

namespace reprise {

RecentMenu::RecentMenu(const QString& title, QWidget* parent)
    : QMenu(title, parent)
{
    fill();
}

void RecentMenu::setPaths(const QStringList& paths)
{
    m_paths = paths.mid(0, kMaxRecent);
    fill();
}

void RecentMenu::remember(const QString& path)
{
    m_paths.removeAll(path);
    m_paths.prepend(path);
    setPaths(m_paths);
}

void RecentMenu::fill()
{
    clear();
    for (const QString& path : m_paths) {
        QString label = visibleText(path);
        label.replace(u'&', QStringLiteral("&&"));
        addAction(label, this, [this, path] { Q_EMIT chosen(path); });
    }
    setEnabled(!m_paths.isEmpty());
}

} // namespace reprise
