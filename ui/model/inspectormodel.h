#pragma once

// The inspector's tree: fixed sections (Process.info, mailbox, state, links, monitors, monitored_by, recent
// events), each with key/value rows. Updates are applied row by row so expanded sections and scroll positions
// survive the periodic refresh. GUI thread only.

#include "graphstate.h"

#include <QAbstractItemModel>

#include <optional>

namespace vigil {

struct InspectorInput {
    uint64_t pid = 0;
    const GraphNode* node = nullptr; // may be null (unknown pid)
    std::optional<ProcessDetail> detail; // empty when the process is dead
    std::vector<TraceEvent> recent; // oldest first
};

class InspectorModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Columns { Key, Value, NUM_COLUMNS };
    enum Roles { PidRole = Qt::UserRole }; // a pid a click can jump to (0 = none)
    enum Section { Info, Mailbox, State, Links, Monitors, MonitoredBy, Recent, NUM_SECTIONS };

    explicit InspectorModel(QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setInput(const InspectorInput& input);
    void clearInput();
    uint64_t pid() const { return m_pid; }
    // Text of one row (tests and copy): "key: value".
    QStringList sectionRows(Section s) const;
    QString sectionTitle(Section s) const;

private:
    struct Row {
        QString key;
        QString value;
        uint64_t pid = 0;
        bool operator==(const Row&) const = default;
    };
    void setSection(Section s, QString title, std::vector<Row> rows);

    uint64_t m_pid = 0;
    QString m_titles[NUM_SECTIONS];
    std::vector<Row> m_rows[NUM_SECTIONS];
};

} // namespace vigil
