// Data-parallel training on c10d with Gloo: the split rule, the gradient
// buckets, the progress lines, and `modelcomposer-cli train` run as two
// processes on loopback (launched by --nproc-per-node, by torchrun's
// environment and by explicit flags) against one process on the doubled batch.

#include "data/Dataset.h"
#include "distributed/DistributedOptions.h"
#include "distributed/GradientBuckets.h"
#include "launch/LocalLauncher.h"
#include "training/ProgressJson.h"
#include "document/ProjectFile.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/script.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mc;

namespace {

QString example(const QString &name)
{
    return QStringLiteral(MC_EXAMPLES_DIR "/") + name;
}

/// A port that was free a moment ago (the kernel's choice for port 0).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

QString describe(const Run &r)
{
    return QStringLiteral("exit %1\nstdout:\n%2\nstderr:\n%3").arg(r.exitCode).arg(r.out, r.err);
}

void startCli(QProcess &p, const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(MC_CLI), QStringList{QStringLiteral("train")} + args);
}

Run finish(QProcess &p, int milliseconds = 60000)
{
    if (!p.waitForFinished(milliseconds)) {
        p.kill();
        p.waitForFinished();
        return {-1, QString::fromUtf8(p.readAllStandardOutput()), QStringLiteral("(timed out) ") + QString::fromUtf8(p.readAllStandardError())};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

Run cli(const QStringList &args)
{
    QProcess p;
    startCli(p, args);
    return finish(p);
}

/// Per-step losses and validation losses (NaN where empty) of a metrics CSV.
struct Metrics
{
    QVector<double> train;
    QVector<double> val;
};

Metrics readMetrics(const QString &path)
{
    Metrics m;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return m;
    const QStringList rows = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (qsizetype k = 1; k < rows.size(); ++k) {
        const QStringList cells = rows.at(k).split(QLatin1Char(','));
        m.train.append(cells.value(2).toDouble());
        m.val.append(cells.value(3).isEmpty() ? std::nan("") : cells.value(3).toDouble());
    }
    return m;
}

bool near(double a, double b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return std::abs(a - b) <= 1e-5 * std::max(1.0, std::abs(b));
}

/// The largest difference between the parameters of two exports (infinity
/// when their names differ).
double weightDifference(const QString &a, const QString &b)
{
    torch::jit::Module ma = torch::jit::load(a.toStdString());
    torch::jit::Module mb = torch::jit::load(b.toStdString());
    std::map<std::string, torch::Tensor> pb;
    for (const auto &p : mb.named_parameters())
        pb[p.name] = p.value;
    double worst = 0;
    size_t count = 0;
    for (const auto &p : ma.named_parameters()) {
        const auto it = pb.find(p.name);
        if (it == pb.end() || it->second.sizes() != p.value.sizes())
            return std::numeric_limits<double>::infinity();
        worst = std::max(worst, (p.value - it->second).abs().max().item<double>());
        ++count;
    }
    return count == pb.size() && count > 0 ? worst : std::numeric_limits<double>::infinity();
}

/// Child processes of `pid` (the workers of a launcher).
QList<qint64> childrenOf(qint64 pid)
{
    QList<qint64> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool ok = false;
        const qint64 child = entry.toLongLong(&ok);
        if (!ok)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(child));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // pid (comm) state ppid ...: the name may hold spaces, so read after the last ')'.
        const QString line = QString::fromUtf8(stat.readAll());
        const QStringList fields = line.mid(line.lastIndexOf(QLatin1Char(')')) + 2).split(QLatin1Char(' '));
        if (fields.value(1).toLongLong() == pid)
            children.append(child);
    }
    std::sort(children.begin(), children.end());
    return children;
}

/// Waits until `p` has printed its first epoch line (training is under way).
bool waitForEpochLine(QProcess &p, QString *seen, int milliseconds = 30000)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < milliseconds) {
        p.waitForReadyRead(200);
        *seen += QString::fromUtf8(p.readAllStandardOutput());
        if (seen->contains(QLatin1String("\nepoch ")))
            return true;
        if (p.state() == QProcess::NotRunning)
            return false;
    }
    return false;
}

// The equivalence run: shared-block (one block called twice: its weights are
// shared), 64 rows (in file order with --no-shuffle), a quarter held out for
// validation, 3 epochs. Two ranks take batches of 8, the reference one process
// batches of 16. Shuffled, the ranks split each epoch's permutation p as
// p[0::2] and p[1::2], so their k-th batches are again the reference's k-th.
const QStringList kEquivalence{QStringLiteral("--samples"), QStringLiteral("64"),
                               QStringLiteral("--val-split"), QStringLiteral("0.25"), QStringLiteral("--epochs"),
                               QStringLiteral("3"), QStringLiteral("--limit-train-batches"), QStringLiteral("0"),
                               QStringLiteral("--lr"), QStringLiteral("0.01"), QStringLiteral("--dist-timeout"),
                               QStringLiteral("20")};

// A run long enough to be killed in the middle.
const QStringList kLongRun{QStringLiteral("--samples"), QStringLiteral("4096"), QStringLiteral("--epochs"),
                           QStringLiteral("100000"), QStringLiteral("--limit-train-batches"), QStringLiteral("0"),
                           QStringLiteral("--dist-timeout"), QStringLiteral("10")};

} // namespace

class tst_Distributed : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void shardIndices_data();
    void shardIndices();
    void shardIndicesMatchDistributedSampler();
    void interleavedBatchesCoverTheGlobalBatch();
    void gradientBuckets();
    void optionsFromEnvironment();
    void progressJsonRoundTrip();
    void twoRanksEqualOneDoubledBatch_data();
    void twoRanksEqualOneDoubledBatch();
    void launcherReportsTrainerValues();
    void launcherFindsTheProjectsDataFiles();
    void launcherRefusesAMissingProgram();
    void killedRankEndsTheOthers_data();
    void killedRankEndsTheOthers();
    void stopSignalStopsEveryRank();
    void failingOrSilentRankIsNamed_data();
    void failingOrSilentRankIsNamed();

private:
    QTemporaryDir m_dir;
    QString m_project;
    QHash<QString, Metrics> m_reference; ///< One process, batches of 16, by order flag.
    QHash<QString, QString> m_referenceExport;
};

void tst_Distributed::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_project = example(QStringLiteral("shared-block.mcproj"));
    for (const QString &order : {QStringLiteral("--no-shuffle"), QStringLiteral("--shuffle")}) {
        m_referenceExport[order] = m_dir.filePath(order.mid(2) + QStringLiteral(".pt"));
        const QString metrics = m_dir.filePath(order.mid(2) + QStringLiteral(".csv"));
        const Run r = cli(QStringList{m_project, order, QStringLiteral("--batch-size"), QStringLiteral("16"),
                                      QStringLiteral("--metrics"), metrics, QStringLiteral("--export"),
                                      m_referenceExport[order]} + kEquivalence);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        m_reference[order] = readMetrics(metrics);
        QCOMPARE(m_reference[order].train.size(), 9); // 48 training rows in 3 batches of 16, 3 epochs
    }
}

void tst_Distributed::shardIndices_data()
{
    QTest::addColumn<QVector<qint64>>("order");
    QTest::addColumn<int>("rank");
    QTest::addColumn<int>("world");
    QTest::addColumn<bool>("pad");
    QTest::addColumn<QVector<qint64>>("expected");
    const QVector<qint64> ten{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    QTest::addRow("even_rank0") << ten << 0 << 2 << true << QVector<qint64>{0, 2, 4, 6, 8};
    QTest::addRow("even_rank1") << ten << 1 << 2 << true << QVector<qint64>{1, 3, 5, 7, 9};
    // 10 rows for 3 ranks: padded to 12 with rows 0 and 1.
    QTest::addRow("padded_rank1") << ten << 1 << 3 << true << QVector<qint64>{1, 4, 7, 0};
    QTest::addRow("padded_rank2") << ten << 2 << 3 << true << QVector<qint64>{2, 5, 8, 1};
    QTest::addRow("unpadded_rank2") << ten << 2 << 3 << false << QVector<qint64>{2, 5, 8};
    // Fewer rows than ranks: the order repeats.
    QTest::addRow("repeated") << QVector<qint64>{7, 3} << 4 << 5 << true << QVector<qint64>{7};
    QTest::addRow("permutation") << QVector<qint64>{5, 2, 9, 0, 1} << 1 << 2 << true << QVector<qint64>{2, 0, 5};
    QTest::addRow("alone") << QVector<qint64>{3, 1, 2} << 0 << 1 << true << QVector<qint64>{3, 1, 2};
}

void tst_Distributed::shardIndices()
{
    QFETCH(QVector<qint64>, order);
    QFETCH(int, rank);
    QFETCH(int, world);
    QFETCH(bool, pad);
    QFETCH(QVector<qint64>, expected);
    const torch::Tensor o = torch::tensor(std::vector<int64_t>(order.begin(), order.end()), torch::kInt64);
    const torch::Tensor shard = Dataset::shardIndices(o, rank, world, pad);
    QCOMPARE(shard.scalar_type(), torch::kInt64);
    const QVector<qint64> got(shard.data_ptr<int64_t>(), shard.data_ptr<int64_t>() + shard.numel());
    QCOMPARE(got, expected);
}

void tst_Distributed::shardIndicesMatchDistributedSampler()
{
    // PyTorch's own sampler (Debian's python3-torch), without shuffling, for
    // several sizes and world sizes: the same indices for every rank.
    const QString script = QStringLiteral(
        "from torch.utils.data import DistributedSampler\n"
        "for n, w in [(10, 3), (7, 4), (8, 2), (3, 5)]:\n"
        "    for r in range(w):\n"
        "        print(n, w, r, ' '.join(str(i) for i in DistributedSampler(range(n), num_replicas=w, rank=r, "
        "shuffle=False)))\n");
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script});
    QVERIFY(python.waitForFinished(60000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    const QStringList lines = QString::fromUtf8(python.readAllStandardOutput()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3 + 4 + 2 + 5);
    for (const QString &line : lines) {
        const QStringList f = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        const int n = f.at(0).toInt(), w = f.at(1).toInt(), r = f.at(2).toInt();
        const torch::Tensor shard = Dataset::shardIndices(torch::arange(int64_t(n), torch::kInt64), r, w);
        QStringList ours;
        for (int64_t k = 0; k < shard.numel(); ++k)
            ours.append(QString::number(shard[k].item<int64_t>()));
        QCOMPARE(ours, f.mid(3));
    }
}

void tst_Distributed::interleavedBatchesCoverTheGlobalBatch()
{
    // W ranks of batch B without shuffling: the k-th batches of all ranks are
    // together rows kWB .. (k+1)WB-1, the k-th batch of one process of batch WB.
    const int64_t rows = 48, batch = 8;
    for (int world : {2, 3, 4}) {
        std::vector<torch::Tensor> shards;
        for (int r = 0; r < world; ++r)
            shards.push_back(Dataset::shardIndices(torch::arange(rows, torch::kInt64), r, world));
        for (int64_t k = 0; k * batch * world < rows; ++k) {
            std::vector<torch::Tensor> parts;
            for (const torch::Tensor &s : shards)
                parts.push_back(s.narrow(0, k * batch, std::min(batch, s.size(0) - k * batch)));
            const torch::Tensor together = std::get<0>(torch::cat(parts).sort());
            const torch::Tensor expected = torch::arange(k * batch * world, std::min(rows, (k + 1) * batch * world), torch::kInt64);
            QVERIFY2(torch::equal(together, expected), qPrintable(QStringLiteral("world %1, batch %2").arg(world).arg(k)));
        }
    }
}

void tst_Distributed::gradientBuckets()
{
    // a (6 values) is listed twice, as a shared parameter may be; b has 4 and
    // c 3. Taken last first with a cap of 7 values: buckets [a] and [c, b],
    // then the 2 extra values.
    torch::Tensor a = torch::randn({2, 3}, torch::requires_grad());
    torch::Tensor b = torch::randn({4}, torch::requires_grad());
    torch::Tensor c = torch::randn({3}, torch::requires_grad());
    GradientBuckets buckets({a, b, c, a}, 7 * int64_t(sizeof(float)), 2);
    QCOMPARE(buckets.parameterCount(), size_t(3));
    QCOMPARE(buckets.buffers().size(), size_t(2));
    QCOMPARE(buckets.buffers()[0].numel(), int64_t(6));
    QCOMPARE(buckets.buffers()[1].numel(), int64_t(3 + 4 + 2));
    QCOMPARE(buckets.extras(), buckets.buffers()[1].data_ptr<float>() + 7);

    torch::optim::SGD sgd({a, b, c}, 0.1);
    for (int round = 0; round < 2; ++round) { // zero_grad keeps the gradients in their buckets
        sgd.zero_grad();
        ((a * 2).sum() + (a * 3).sum() + (b * b).sum() + c.sum()).backward();
        buckets.gather();
        QCOMPARE(a.grad().data_ptr(), static_cast<void *>(buckets.buffers()[0].data_ptr<float>()));
        QVERIFY(torch::equal(buckets.buffers()[0], torch::full({6}, 5.0f)));
        QVERIFY(torch::equal(buckets.buffers()[1].narrow(0, 0, 3), torch::ones({3})));
        QVERIFY(torch::allclose(buckets.buffers()[1].narrow(0, 3, 4), 2 * b.detach()));
    }
    // What reaches the buffers reaches the optimizer.
    buckets.buffers()[0].fill_(1.0f);
    QVERIFY(torch::equal(a.grad(), torch::ones({2, 3})));
    // A gradient replaced from outside is copied back into its bucket.
    c.mutable_grad() = torch::full({3}, 7.0f);
    buckets.gather();
    QVERIFY(torch::equal(buckets.buffers()[1].narrow(0, 0, 3), torch::full({3}, 7.0f)));
    QCOMPARE(c.grad().data_ptr(), static_cast<void *>(buckets.buffers()[1].data_ptr<float>()));
}

void tst_Distributed::optionsFromEnvironment()
{
    QProcessEnvironment env;
    QVERIFY(!DistributedOptions::fromEnvironment(env)->isDistributed());
    env.insert(QStringLiteral("RANK"), QStringLiteral("3"));
    env.insert(QStringLiteral("WORLD_SIZE"), QStringLiteral("4"));
    env.insert(QStringLiteral("LOCAL_RANK"), QStringLiteral("1"));
    env.insert(QStringLiteral("MASTER_ADDR"), QStringLiteral("node7"));
    env.insert(QStringLiteral("MASTER_PORT"), QStringLiteral("29400"));
    env.insert(QStringLiteral("TORCHELASTIC_USE_AGENT_STORE"), QStringLiteral("True"));
    env.insert(QStringLiteral("TORCHELASTIC_RESTART_COUNT"), QStringLiteral("2"));
    const auto o = DistributedOptions::fromEnvironment(env);
    QVERIFY(o);
    QCOMPARE(o->rank, 3);
    QCOMPARE(o->worldSize, 4);
    QCOMPARE(o->localRank, 1);
    QCOMPARE(o->masterAddr, QStringLiteral("node7"));
    QCOMPARE(o->masterPort, 29400);
    QVERIFY(o->agentStore);
    QVERIFY(!o->hostsStore());
    QCOMPARE(o->restartCount, 2);
    QVERIFY(!o->problem());
    // The environment a launcher writes reads back the same.
    const auto back = DistributedOptions::fromEnvironment(o->toEnvironment(QProcessEnvironment()));
    QVERIFY(back && back->rank == 3 && back->worldSize == 4 && back->agentStore && back->masterAddr == o->masterAddr);

    env.insert(QStringLiteral("TORCHELASTIC_USE_AGENT_STORE"), QStringLiteral("False"));
    QVERIFY(!DistributedOptions::fromEnvironment(env)->agentStore);
    env.insert(QStringLiteral("RANK"), QStringLiteral("4"));
    const auto outside = DistributedOptions::fromEnvironment(env);
    QVERIFY(outside && outside->problem());
    QVERIFY(outside->problem()->contains(QLatin1String("Rank 4 is outside a world of 4")));
    env.insert(QStringLiteral("RANK"), QStringLiteral("x"));
    QString error;
    QVERIFY(!DistributedOptions::fromEnvironment(env, &error));
    QCOMPARE(error, QStringLiteral("RANK=x is not a whole number."));
}

void tst_Distributed::progressJsonRoundTrip()
{
    TrainingProgress p;
    p.losses = {LossPoint{0, 0, 0.5f}, LossPoint{1, 0, 0.25f}};
    EpochPoint e;
    e.epoch = 0;
    e.endStep = 2;
    e.trainLoss = 0.375;
    e.samplesPerSecond = 1000;
    e.learningRate = 0.01;
    e.valAccuracy = 0.5;
    e.testAccuracy = 0.75;
    p.epochs = {e};
    p.epoch = 1;
    p.step = 2;
    p.totalSteps = 10;
    const QByteArray line = ProgressJson::progressLine(p);
    QVERIFY(line.endsWith('\n') && line.count('\n') == 1);
    const auto back = ProgressJson::parse(line);
    QVERIFY(back);
    QCOMPARE(back->type, QStringLiteral("progress"));
    QCOMPARE(back->progress.losses, p.losses);
    QCOMPARE(back->progress.epochs.size(), 1);
    QCOMPARE(back->progress.epochs.first().trainLoss, 0.375);
    QVERIFY(!back->progress.epochs.first().hasValLoss()); // NaN travels as null
    QCOMPARE(back->progress.epochs.first().valAccuracy, 0.5);
    QCOMPARE(back->progress.epochs.first().testAccuracy, 0.75);
    QVERIFY(std::isnan(back->progress.epochs.first().testLoss));
    QCOMPARE(back->progress.totalSteps, qint64(10));

    TrainingResult r;
    r.outcome = TrainingResult::Outcome::EarlyStopped;
    r.message = QStringLiteral("Stopped early");
    r.steps = 7;
    r.evaluation.task = Evaluation::Task::Binary;
    r.evaluation.samples = 4;
    r.evaluation.classNames = {QStringLiteral("0"), QStringLiteral("1")};
    r.evaluation.confusion = {1, 2, 0, 1};
    r.evaluation.accuracy = 0.5;
    r.evaluation.precision = r.evaluation.recall = r.evaluation.f1 = {0.5, 0.25};
    const auto result = ProgressJson::parse(ProgressJson::resultLine(r));
    QVERIFY(result && result->type == QLatin1String("result"));
    QCOMPARE(result->result.outcome, TrainingResult::Outcome::EarlyStopped);
    QCOMPARE(result->result.message, r.message);
    QCOMPARE(result->result.steps, qint64(7));
    QCOMPARE(result->result.evaluation.confusion, r.evaluation.confusion); // a worker's verdict reaches the window
    QCOMPARE(result->result.evaluation.report(), r.evaluation.report());
    QVERIFY(!ProgressJson::parse("epoch 1/2  train_loss 0.7"));
    QVERIFY(!ProgressJson::parse("{\"type\":\"other\"}"));
    QVERIFY(!ProgressJson::parse("{broken"));
}

void tst_Distributed::twoRanksEqualOneDoubledBatch_data()
{
    QTest::addColumn<QString>("launch");
    QTest::addColumn<QString>("order");
    QTest::addRow("nproc_per_node") << "nproc" << "--no-shuffle";
    QTest::addRow("torchrun_environment") << "environment" << "--no-shuffle";
    QTest::addRow("explicit_flags") << "flags" << "--no-shuffle";
    QTest::addRow("nproc_per_node_shuffled") << "nproc" << "--shuffle";
}

void tst_Distributed::twoRanksEqualOneDoubledBatch()
{
    // Two ranks of batch 8 against one process of batch 16: the same loss at
    // every step (the mean over the ranks), the same validation losses and the
    // same final weights, to float tolerance.
    QFETCH(QString, launch);
    QFETCH(QString, order);
    const Metrics &reference = m_reference[order];
    QTemporaryDir dir;
    const QString metrics = dir.filePath(QStringLiteral("m.csv"));
    const QString weights = dir.filePath(QStringLiteral("w.pt"));
    const QStringList args = QStringList{m_project, order, QStringLiteral("--batch-size"), QStringLiteral("8")} + kEquivalence;
    const QStringList outputs{QStringLiteral("--metrics"), metrics, QStringLiteral("--export"), weights};
    Run r0, r1;
    if (launch == QLatin1String("nproc")) {
        r0 = cli(args + outputs + QStringList{QStringLiteral("--nproc-per-node"), QStringLiteral("2")});
        r1.exitCode = 0;
    } else {
        const QString port = QString::number(freePort());
        QProcess p0, p1;
        for (int rank : {0, 1}) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            QStringList rankArgs = args;
            if (rank == 0)
                rankArgs += outputs; // rank 0 alone writes; the others' outputs would be ignored
            if (launch == QLatin1String("environment")) {
                env.insert(QStringLiteral("RANK"), QString::number(rank));
                env.insert(QStringLiteral("LOCAL_RANK"), QString::number(rank));
                env.insert(QStringLiteral("WORLD_SIZE"), QStringLiteral("2"));
                env.insert(QStringLiteral("MASTER_ADDR"), QStringLiteral("127.0.0.1"));
                env.insert(QStringLiteral("MASTER_PORT"), port);
            } else {
                rankArgs += QStringList{QStringLiteral("--world-size"), QStringLiteral("2"), QStringLiteral("--rank"),
                                        QString::number(rank), QStringLiteral("--master-addr"), QStringLiteral("127.0.0.1"),
                                        QStringLiteral("--master-port"), port};
            }
            startCli(rank == 0 ? p0 : p1, rankArgs, env);
        }
        r0 = finish(p0);
        r1 = finish(p1);
    }
    QVERIFY2(r0.exitCode == 0, qPrintable(describe(r0)));
    QVERIFY2(r1.exitCode == 0, qPrintable(describe(r1)));
    QVERIFY2(r0.out.contains(QLatin1String("2 processes, each 24 training rows and batches of 8 per epoch")), qPrintable(r0.out));
    QVERIFY2(r1.out.isEmpty(), qPrintable(r1.out)); // rank 1 prints nothing

    const Metrics m = readMetrics(metrics);
    QCOMPARE(m.train.size(), reference.train.size());
    for (int k = 0; k < m.train.size(); ++k) {
        QVERIFY2(near(m.train[k], reference.train[k]),
                 qPrintable(QStringLiteral("step %1: %2 vs %3").arg(k).arg(m.train[k], 0, 'g', 9).arg(reference.train[k], 0, 'g', 9)));
        QVERIFY2(near(m.val[k], reference.val[k]), qPrintable(QStringLiteral("validation at step %1").arg(k)));
    }
    QVERIFY(m.train.first() != m.train.last()); // it trained
    const double difference = weightDifference(weights, m_referenceExport[order]);
    QVERIFY2(difference < 1e-5, qPrintable(QString::number(difference)));
}

void tst_Distributed::launcherReportsTrainerValues()
{
    // The window's way: the project and settings in, the Trainer's values out.
    const ProjectData project = ProjectFile::load(m_project);
    TrainingSettings settings = TrainingSettings::fromJson(project.training);
    settings.shuffle = false;
    settings.batchSize = 8;
    settings.epochs = 3;
    settings.limitTrainBatches = 0;
    settings.validationSplit = 0.25;
    settings.learningRate = 0.01;
    settings.data.samples = 64;
    LocalLauncher launcher;
    launcher.setProgram(QStringLiteral(MC_CLI));
    launcher.setProcessCount(2);
    QString error;
    QVERIFY2(launcher.setProject(project, settings, QFileInfo(m_project).absolutePath(), {}, &error), qPrintable(error));
    QSignalSpy progress(&launcher, &LocalLauncher::progress);
    QSignalSpy finished(&launcher, &LocalLauncher::finished);
    QSignalSpy lines(&launcher, &LocalLauncher::outputLine);
    QVERIFY2(launcher.start(&error), qPrintable(error));
    QVERIFY(launcher.isRunning());
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.count(), 1);
    QVERIFY(!launcher.isRunning());
    const TrainingResult result = finished.first().first().value<TrainingResult>();
    QVERIFY2(result.outcome == TrainingResult::Outcome::Completed, qPrintable(result.message));
    QCOMPARE(result.steps, qint64(9));
    QCOMPARE(result.epochs, 3);

    // Every loss point once, in order, equal to one process on the doubled batch.
    QVector<LossPoint> losses;
    QVector<EpochPoint> epochs;
    for (const QList<QVariant> &signal : progress) {
        const TrainingProgress p = signal.first().value<TrainingProgress>();
        losses += p.losses;
        epochs += p.epochs;
    }
    QCOMPARE(losses.size(), 9);
    QCOMPARE(epochs.size(), 3);
    for (int k = 0; k < losses.size(); ++k) {
        QCOMPARE(losses[k].step, qint64(k));
        QVERIFY2(near(losses[k].loss, m_reference[QStringLiteral("--no-shuffle")].train[k]), qPrintable(QString::number(k)));
    }
    QVERIFY(near(epochs.last().valLoss, m_reference[QStringLiteral("--no-shuffle")].val.last()));
    QVERIFY(near(result.lastValLoss, m_reference[QStringLiteral("--no-shuffle")].val.last()));
    // The plan arrives as a line of text from rank 0.
    bool plan = false;
    for (const QList<QVariant> &l : lines)
        plan = plan || (l.at(0).toInt() == 0 && l.at(1).toString().startsWith(QLatin1String("training ExternalInjection")));
    QVERIFY(plan);
}

void tst_Distributed::launcherFindsTheProjectsDataFiles()
{
    // The workers read a copy of the project in a temporary folder: every
    // data file named relative to the project's folder must be found from it.
    TrainingSettings s;
    s.loss = TrainingSettings::Loss::CrossEntropy;
    s.data.kind = DataSettings::Kind::Idx;
    s.data.path = QStringLiteral("images.idx");
    s.data.labels = QStringLiteral("sub/labels.idx");
    s.data.test.source = TestSettings::Source::File;
    s.data.test.path = QStringLiteral("test-images.idx");
    s.data.test.labels = QStringLiteral("/elsewhere/test-labels.idx");
    LocalLauncher launcher;
    QString error;
    const QString base = QStringLiteral("/data/project");
    QVERIFY2(launcher.setProject(ProjectFile::load(m_project), s, base, {}, &error), qPrintable(error));
    const TrainingSettings copied = TrainingSettings::fromJson(ProjectFile::load(launcher.arguments().first()).training);
    QCOMPARE(copied.data.path, QStringLiteral("/data/project/images.idx"));
    QCOMPARE(copied.data.labels, QStringLiteral("/data/project/sub/labels.idx"));
    QCOMPARE(copied.data.test.path, QStringLiteral("/data/project/test-images.idx"));
    QCOMPARE(copied.data.test.labels, QStringLiteral("/elsewhere/test-labels.idx"));
}

void tst_Distributed::launcherRefusesAMissingProgram()
{
    LocalLauncher launcher;
    launcher.setProgram(m_dir.filePath(QStringLiteral("no-such-program")));
    launcher.setArguments({m_project});
    QSignalSpy finished(&launcher, &LocalLauncher::finished);
    QString error;
    QVERIFY(!launcher.start(&error));
    QVERIFY2(error.contains(QLatin1String("no-such-program")), qPrintable(error));
    QVERIFY(!launcher.isRunning());
    QCOMPARE(finished.count(), 0);
}

void tst_Distributed::killedRankEndsTheOthers_data()
{
    QTest::addColumn<QString>("launch");
    QTest::addColumn<int>("killed");
    QTest::addRow("rank_1_killed") << "flags" << 1;
    QTest::addRow("rank_0_killed_store_host") << "flags" << 0;
    QTest::addRow("worker_1_of_launcher_killed") << "nproc" << 1;
}

void tst_Distributed::killedRankEndsTheOthers()
{
    // A rank killed in the middle of training: the survivor ends with an error
    // naming it, within 30 seconds (here the connection fails at once).
    QFETCH(QString, launch);
    QFETCH(int, killed);
    const QStringList args = QStringList{example(QStringLiteral("encoder-decoder.mcproj"))} + kLongRun;
    QProcess ranks[2];
    QProcess *survivor = nullptr;
    qint64 victim = 0;
    if (launch == QLatin1String("nproc")) {
        startCli(ranks[0], args + QStringList{QStringLiteral("--nproc-per-node"), QStringLiteral("2")});
        survivor = &ranks[0];
    } else {
        const QString port = QString::number(freePort());
        for (int rank : {0, 1})
            startCli(ranks[rank], args + QStringList{QStringLiteral("--world-size"), QStringLiteral("2"), QStringLiteral("--rank"),
                                                     QString::number(rank), QStringLiteral("--master-port"), port});
        survivor = &ranks[1 - killed];
        victim = ranks[killed].processId();
    }
    QString seen;
    QVERIFY2(waitForEpochLine(ranks[0], &seen), qPrintable(seen + ranks[0].readAllStandardError()));
    if (launch == QLatin1String("nproc")) {
        const QList<qint64> workers = childrenOf(ranks[0].processId());
        QCOMPARE(workers.size(), 2);
        victim = workers.at(killed); // started in rank order
    }
    QVERIFY(::kill(pid_t(victim), SIGKILL) == 0);
    QElapsedTimer clock;
    clock.start();
    QVERIFY2(survivor->waitForFinished(30000), "the survivor still runs 30 s after the kill");
    const qint64 ms = clock.elapsed();
    const QString err = QString::fromUtf8(survivor->readAllStandardError());
    QCOMPARE(survivor->exitStatus(), QProcess::NormalExit);
    QCOMPARE(survivor->exitCode(), 1);
    QVERIFY2(err.contains(QStringLiteral("error: Training failed in epoch")), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("rank %1 stopped responding").arg(killed)), qPrintable(err));
    qInfo("the survivor ended %lld ms after the kill", ms);
    for (QProcess &p : ranks) { // reap the killed one
        if (p.state() != QProcess::NotRunning) {
            p.kill();
            p.waitForFinished(5000);
        }
    }
}

void tst_Distributed::stopSignalStopsEveryRank()
{
    // SIGTERM to the launcher (LocalLauncher::stop does the same to each
    // worker): every rank stops after the same step, rank 0 writes its metrics.
    QTemporaryDir dir;
    const QString metrics = dir.filePath(QStringLiteral("m.csv"));
    QProcess launcher;
    startCli(launcher, QStringList{example(QStringLiteral("encoder-decoder.mcproj"))} + kLongRun +
                           QStringList{QStringLiteral("--nproc-per-node"), QStringLiteral("2"), QStringLiteral("--metrics"), metrics});
    QString seen;
    QVERIFY2(waitForEpochLine(launcher, &seen), qPrintable(seen + launcher.readAllStandardError()));
    launcher.terminate();
    const Run r = finish(launcher, 30000);
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const QString out = seen + r.out;
    const QRegularExpression stopped(QStringLiteral(R"(Stopped in epoch \d+ after (\d+) step\(s\)\.)"));
    const QRegularExpressionMatch match = stopped.match(out);
    QVERIFY2(match.hasMatch(), qPrintable(out));
    const Metrics m = readMetrics(metrics);
    QCOMPARE(qint64(m.train.size()), match.captured(1).toLongLong());
    QVERIFY(m.train.size() > 0);
}

void tst_Distributed::failingOrSilentRankIsNamed_data()
{
    QTest::addColumn<QString>("failure");
    QTest::addColumn<QString>("message");
    // Rank 1 cannot read its project: rank 0, waiting for it, repeats its error.
    QTest::addRow("rank_1_fails") << "error" << "error: rank 1 failed: Cannot open ";
    // Rank 1 freezes (SIGSTOP), as behind a lost connection: rank 0's
    // all-reduce times out and rank 1's heartbeat has stopped.
    QTest::addRow("rank_1_frozen") << "frozen" << "rank 1 stopped responding";
}

void tst_Distributed::failingOrSilentRankIsNamed()
{
    QFETCH(QString, failure);
    QFETCH(QString, message);
    const QString port = QString::number(freePort());
    QStringList common = kLongRun + QStringList{QStringLiteral("--world-size"), QStringLiteral("2"),
                                                QStringLiteral("--master-port"), port};
    common[common.indexOf(QStringLiteral("--dist-timeout")) + 1] = QStringLiteral("3");
    QProcess rank0, rank1;
    startCli(rank0, QStringList{example(QStringLiteral("encoder-decoder.mcproj")), QStringLiteral("--rank"), QStringLiteral("0")} + common);
    const QString project1 = failure == QLatin1String("error") ? m_dir.filePath(QStringLiteral("missing.mcproj"))
                                                               : example(QStringLiteral("encoder-decoder.mcproj"));
    startCli(rank1, QStringList{project1, QStringLiteral("--rank"), QStringLiteral("1")} + common);
    if (failure == QLatin1String("frozen")) {
        QString seen;
        QVERIFY2(waitForEpochLine(rank0, &seen), qPrintable(seen + rank0.readAllStandardError()));
        QVERIFY(::kill(pid_t(rank1.processId()), SIGSTOP) == 0);
    }
    const bool ended = rank0.waitForFinished(30000);
    if (failure == QLatin1String("frozen"))
        ::kill(pid_t(rank1.processId()), SIGKILL);
    rank1.waitForFinished(10000);
    QVERIFY2(ended, "rank 0 still runs after 30 s");
    const QString err = QString::fromUtf8(rank0.readAllStandardError());
    QCOMPARE(rank0.exitCode(), 1);
    QVERIFY2(err.contains(message), qPrintable(err));
}

QTEST_GUILESS_MAIN(tst_Distributed)
#include "tst_distributed.moc"
