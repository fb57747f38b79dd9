// Speed of the training window (figures in docs/benchmarks.md): how
// late a 5 ms timer fires on the main thread while the largest benchmark model
// trains at full speed on a worker, and how long a loss plot of 1,000,000
// points takes to redraw. Reports only; timing is never asserted.
#include "data/Dataset.h"
#include "LossPlot.h"
#include "document/ProjectFile.h"
#include "QCustomPlotInclude.h"
#include "training/Trainer.h"

#include <QElapsedTimer>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <ctime>

using namespace mc;

class BenchTrainingWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void timerLatencyWhileTraining();
    void redrawMillionPoints();
};

void BenchTrainingWindow::timerLatencyWhileTraining()
{
    const QString path = QStringLiteral(MC_EXAMPLES_DIR "/../bench/models/deep-stack.mcproj");
    ProjectData project = ProjectFile::load(path);
    TrainingSettings settings = TrainingSettings::fromJson(project.training);
    settings.epochs = 1000000;
    settings.limitTrainBatches = 0;
    const Dataset data = Dataset::forProject(project, settings);
    auto *trainer = new Trainer;
    QString error;
    QVERIFY2(trainer->setup(project, settings, data, &error), qPrintable(error));
    QThread thread;
    trainer->moveToThread(&thread);
    connect(&thread, &QThread::started, trainer, &Trainer::run);
    qint64 points = 0;
    connect(trainer, &Trainer::progress, this, [&](const TrainingProgress &p) { points += p.losses.size(); },
            Qt::QueuedConnection);
    thread.start();
    QVector<double> late;
    QElapsedTimer clock;
    clock.start();
    qint64 expected = 5;
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setInterval(5);
    connect(&timer, &QTimer::timeout, this, [&] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        late.append(std::max<double>(0, (now - expected * 1000) / 1000.0));
        expected = now / 1000 + 5;
    });
    timer.start();
    QTest::qWait(3000);
    timer.stop();
    trainer->stop();
    thread.quit();
    QVERIFY(thread.wait(5000));
    const qint64 steps = trainer->stepsDone();
    delete trainer;
    std::sort(late.begin(), late.end());
    QVERIFY(!late.isEmpty());
    const double p99 = late.at(std::min<int>(late.size() - 1, int(late.size() * 0.99)));
    qInfo("timer lateness while training deep-stack: %d ticks, p50 %.2f ms, p99 %.2f ms, worst %.2f ms; "
          "%lld steps in 3 s (%lld points received)",
          int(late.size()), late.at(late.size() / 2), p99, late.last(), steps, points);
    QVERIFY(steps > 0);
}

void BenchTrainingWindow::redrawMillionPoints()
{
    LossPlot plot;
    plot.resize(1200, 500);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QVector<LossPoint> pts;
    pts.reserve(1000000);
    for (int i = 0; i < 1000000; ++i)
        pts.append(LossPoint{i, i / 1000, float(1.0 / (1 + i * 1e-3) + 0.05 * double((qint64(i) * 7919) % 100) / 100.0)});
    QElapsedTimer first;
    first.start();
    plot.appendPoints(pts, {});
    plot.flush();
    plot.customPlot()->replot(QCustomPlot::rpImmediateRefresh);
    const double firstMs = first.nsecsElapsed() / 1e6;
    QCOMPARE(plot.trainPointCount(), 1000000);
    // Wall time, and the main thread's CPU time (which other processes on
    // a shared machine do not inflate).
    auto cpuMs = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    };
    QVector<double> ms, cpu;
    for (int i = 0; i < 21; ++i) {
        QElapsedTimer t;
        const double c0 = cpuMs();
        t.start();
        plot.customPlot()->replot(QCustomPlot::rpImmediateRefresh);
        ms.append(t.nsecsElapsed() / 1e6);
        cpu.append(cpuMs() - c0);
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    qInfo("redraw of a 1,000,000-point loss plot (1200x500): median %.2f ms, worst %.2f ms of %d "
          "(main-thread CPU: median %.2f ms, worst %.2f ms); first (append + rescale + redraw) %.1f ms",
          ms.at(ms.size() / 2), ms.last(), int(ms.size()), cpu.at(cpu.size() / 2), cpu.last(), firstMs);
}

QTEST_MAIN(BenchTrainingWindow)
#include "bench_trainingwindow.moc"
