#include "chartswidget.h"

#include "statshistory.h"
#include "theme.h"

#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
constexpr double kWindowSec = 120; // the most history shown
constexpr double kMinWindowSec = 30; // the least: the first seconds of a session fill a quarter of the chart, not a sliver

// A count axis from 0 to at least maxValue, ticks on whole numbers (1, 2 or 5 times a power of ten apart), so the
// "%d" labels never repeat (a 0..2 range with five ticks read "0 0 1 1 2").
void setCountRange(QValueAxis* axis, double maxValue)
{
    const double target = std::max(1.0, maxValue) / 4;
    double step = 1;
    for (double p = 1; step < target; p *= 10) {
        for (double m : { 1.0, 2.0, 5.0 }) {
            step = m * p;
            if (step >= target)
                break;
        }
    }
    const double top = step * std::max(1.0, std::ceil(std::max(1.0, maxValue) / step));
    axis->setRange(0, top);
    axis->setTickCount(int(std::lround(top / step)) + 1);
}
}

ChartsWidget::ChartsWidget(const StatsHistory* stats, QWidget* parent)
    : QWidget(parent)
    , m_stats(stats)
{
    setObjectName(QStringLiteral("charts"));
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(2, 2, 2, 2);
    grid->setSpacing(2);
    const Theme& th = Theme::current();
    m_alive = makeChart(tr("Processes alive"), { tr("alive") }, { th.linkEdge });
    m_rate = makeChart(tr("Messages / s"), { tr("messages/s") }, { th.status[int(NodeStatus::Running)] });
    m_exits = makeChart(tr("Restarts and exits by reason (per s)"),
        { tr("restarts"), tr("normal"), tr("shutdown"), tr("killed"), tr("crash") },
        { th.flash, th.signalNormal, th.monitorEdge, th.signalTrapped, th.signalKill });
    m_mailbox = makeChart(tr("Mailbox of the selection"), { tr("depth") }, { th.badge[2] });
    grid->addWidget(m_alive.view, 0, 0);
    grid->addWidget(m_rate.view, 0, 1);
    grid->addWidget(m_exits.view, 0, 2);
    grid->addWidget(m_mailbox.view, 0, 3);
    applyTheme();
}

ChartsWidget::Chart ChartsWidget::makeChart(const QString& title, const QStringList& names, const QList<QColor>& colors)
{
    Chart c;
    c.chart = new QChart;
    c.chart->setTitle(title);
    c.chart->setMargins(QMargins(4, 4, 4, 4));
    c.chart->setBackgroundRoundness(4);
    c.chart->legend()->setVisible(names.size() > 1);
    c.chart->legend()->setAlignment(Qt::AlignBottom);
    c.x = new QValueAxis;
    c.x->setRange(-kWindowSec, 0);
    c.x->setLabelFormat(QStringLiteral("%d s"));
    c.x->setTickCount(5);
    c.y = new QValueAxis;
    c.y->setRange(0, 10);
    c.y->setLabelFormat(QStringLiteral("%d"));
    c.y->setTickCount(5);
    c.chart->addAxis(c.x, Qt::AlignBottom);
    c.chart->addAxis(c.y, Qt::AlignLeft);
    for (int i = 0; i < names.size(); ++i) {
        auto* s = new QLineSeries;
        s->setName(names[i]);
        QPen pen(colors.value(i));
        pen.setWidthF(2);
        s->setPen(pen);
        c.chart->addSeries(s);
        s->attachAxis(c.x);
        s->attachAxis(c.y);
        c.series.push_back(s);
    }
    c.view = new QChartView(c.chart, this);
    c.view->setRenderHint(QPainter::Antialiasing);
    c.view->setMinimumSize(220, 160);
    return c;
}

void ChartsWidget::applyTheme()
{
    const Theme& th = Theme::current();
    for (Chart* c : { &m_alive, &m_rate, &m_exits, &m_mailbox }) {
        c->chart->setTheme(th.dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
        c->chart->setBackgroundBrush(th.canvas);
        c->chart->setTitleBrush(th.text);
        for (QValueAxis* a : { c->x, c->y }) {
            a->setLabelsBrush(th.subtleText);
            a->setGridLineColor(th.canvasGrid);
        }
        c->chart->legend()->setLabelColor(th.text);
    }
    const QList<QColor> exitColors = { th.flash, th.signalNormal, th.monitorEdge, th.signalTrapped, th.signalKill };
    auto setColor = [](QLineSeries* s, const QColor& c) {
        QPen p(c);
        p.setWidthF(2);
        s->setPen(p);
    };
    setColor(m_alive.series[0], th.linkEdge);
    setColor(m_rate.series[0], th.status[int(NodeStatus::Running)]);
    for (size_t i = 0; i < m_exits.series.size(); ++i)
        setColor(m_exits.series[i], exitColors[int(i)]);
    setColor(m_mailbox.series[0], th.badge[2]);
}

void ChartsWidget::setWatchedTitle(const QString& title)
{
    // Chart titles are rich text: "#PID<0.81.0>" would be taken for a tag.
    m_mailbox.chart->setTitle(
        title.isEmpty() ? tr("Mailbox of the selection") : tr("Mailbox of %1").arg(title.toHtmlEscaped()));
    refresh();
}

int ChartsWidget::pointCount() const { return int(m_alive.series[0]->count()); }

QList<QPointF> ChartsWidget::mailboxPoints() const { return m_mailbox.series[0]->points(); }

QString ChartsWidget::mailboxTitle() const { return m_mailbox.chart->title(); }

double ChartsWidget::windowSeconds() const { return -m_mailbox.x->min(); }

void ChartsWidget::refresh()
{
    const auto& samples = m_stats->samples();
    if (samples.empty())
        return;
    const double now = samples.back().timeSec;
    // Short histories get a shorter window (in steps of 30 s), so what was just measured is wide enough to read.
    const double span = now - samples.front().timeSec;
    const double window = std::clamp(kMinWindowSec * std::ceil(std::max(1.0, span) / kMinWindowSec), kMinWindowSec, kWindowSec);
    for (Chart* c : { &m_alive, &m_rate, &m_exits, &m_mailbox }) {
        if (c->x->min() != -window) {
            c->x->setRange(-window, 0);
            c->x->setTickCount(int(window / (window > 60 ? 30 : window > 30 ? 15 : 10)) + 1);
        }
    }
    QList<QPointF> alive;
    QList<QPointF> rate;
    QList<QPointF> exits[5];
    QList<QPointF> mailbox;
    double maxAlive = 1;
    double maxRate = 1;
    double maxExit = 1;
    double maxMail = 1;
    for (const StatsSample& s : samples) {
        const double x = s.timeSec - now;
        if (x < -window)
            continue;
        alive.append({ x, double(s.alive) });
        rate.append({ x, s.messagesPerSec });
        exits[0].append({ x, double(s.restarts) });
        for (int i = 0; i < 4; ++i)
            exits[i + 1].append({ x, double(s.exits[i]) });
        maxAlive = std::max(maxAlive, double(s.alive));
        maxRate = std::max(maxRate, s.messagesPerSec);
        maxExit = std::max({ maxExit, double(s.restarts), double(s.exits[0]), double(s.exits[1]), double(s.exits[2]),
            double(s.exits[3]) });
        if (s.watchedMailbox >= 0) {
            mailbox.append({ x, double(s.watchedMailbox) });
            maxMail = std::max(maxMail, double(s.watchedMailbox));
        }
    }
    m_alive.series[0]->replace(alive);
    setCountRange(m_alive.y, maxAlive * 1.1);
    m_rate.series[0]->replace(rate);
    setCountRange(m_rate.y, maxRate * 1.1);
    for (int i = 0; i < 5; ++i)
        m_exits.series[size_t(i)]->replace(exits[i]);
    setCountRange(m_exits.y, maxExit * 1.1);
    m_mailbox.series[0]->replace(mailbox);
    setCountRange(m_mailbox.y, maxMail * 1.1);
}

} // namespace vigil
