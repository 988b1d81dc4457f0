#pragma once

// Qt Charts over the bridge's StatsHistory: processes alive, messages per second, restarts and exits by reason,
// and the mailbox depth of the selected process. Redrawn once per sample (1 Hz). GUI thread only.

#include <QWidget>

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace vigil {

class StatsHistory;

class ChartsWidget : public QWidget {
    Q_OBJECT
public:
    explicit ChartsWidget(const StatsHistory* stats, QWidget* parent = nullptr);

    void refresh();
    void setWatchedTitle(const QString& title);
    void applyTheme();
    int pointCount() const; // points in the alive series (tests)
    QList<QPointF> mailboxPoints() const; // the selection's mailbox series as drawn (tests)
    QString mailboxTitle() const; // that chart's title, rich text (tests)
    double windowSeconds() const; // how much history the charts span now (tests)

private:
    struct Chart {
        QChart* chart = nullptr;
        QChartView* view = nullptr;
        QValueAxis* x = nullptr;
        QValueAxis* y = nullptr;
        std::vector<QLineSeries*> series;
    };
    Chart makeChart(const QString& title, const QStringList& names, const QList<QColor>& colors);

    const StatsHistory* m_stats;
    Chart m_alive;
    Chart m_rate;
    Chart m_exits;
    Chart m_mailbox;
};

} // namespace vigil
