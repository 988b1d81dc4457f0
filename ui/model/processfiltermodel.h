#pragma once

// Sorting and filtering for the process table: free text over pid, name, behaviour and status; dead rows can be
// hidden. GUI thread only.

#include <QSortFilterProxyModel>

namespace vigil {

class ProcessFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit ProcessFilterModel(QObject* parent = nullptr);

    void setText(const QString& text);
    QString text() const { return m_text; }
    void setShowDead(bool show);
    bool showDead() const { return m_showDead; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    // The pid column (the default sort) compares the rows' pids directly: through data() every comparison looked
    // up both nodes and built two QVariants, and re-sorting the table after each resync took about a quarter of the
    // GUI thread's time in a spawn storm.
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString m_text;
    bool m_showDead = true;
};

} // namespace vigil
