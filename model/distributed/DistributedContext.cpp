#include "distributed/DistributedContext.h"

#include "distributed/GradientBuckets.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace mc {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kBeatInterval{250};
constexpr milliseconds kPollInterval{50};
/// How long a rank that saw a collective fail watches the others' heartbeats
/// and error keys before it names a cause.
constexpr milliseconds kDiagnosisWindow{3000};

std::vector<uint8_t> bytes(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    return std::vector<uint8_t>(utf8.begin(), utf8.end());
}

QString text(const std::vector<uint8_t> &value)
{
    return QString::fromUtf8(reinterpret_cast<const char *>(value.data()), qsizetype(value.size()));
}

/// The first line of an exception's message, without LibTorch's backtrace.
QString firstLine(const std::exception &e)
{
    const auto *c10 = dynamic_cast<const c10::Error *>(&e);
    const QString message = QString::fromStdString(c10 ? c10->what_without_backtrace() : e.what());
    return message.section(QLatin1Char('\n'), 0, 0).trimmed();
}

std::string key(const char *kind, int rank)
{
    return std::string(kind) + "/" + std::to_string(rank);
}

QString rankList(const std::vector<int> &ranks)
{
    QStringList names;
    for (int r : ranks)
        names.append(QString::number(r));
    return QStringLiteral("%1 %2").arg(ranks.size() == 1 ? QStringLiteral("rank") : QStringLiteral("ranks"),
                                       names.join(QStringLiteral(", ")));
}

bool isLoopback(const QString &host)
{
    return host.startsWith(QLatin1String("127.")) || host == QLatin1String("localhost") || host == QLatin1String("::1");
}

std::shared_ptr<::gloo::transport::Device> makeDevice(const DistributedOptions &o)
{
    // As torch.distributed does: GLOO_SOCKET_IFNAME names the interface; else
    // the address this machine's host name resolves to (loopback for a run on
    // loopback, where the host name may resolve to an unreachable address).
    const QByteArray interface = qgetenv("GLOO_SOCKET_IFNAME");
    if (!interface.isEmpty())
        return c10d::ProcessGroupGloo::createDeviceForInterface(interface.split(',').first().toStdString());
    if (isLoopback(o.masterAddr))
        return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

} // namespace

struct DistributedContext::Private
{
    DistributedOptions options;
    c10::intrusive_ptr<c10d::TCPStore> tcpStore;
    c10::intrusive_ptr<c10d::Store> store; ///< Our keys: under "modelcomposer/".
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
    std::chrono::milliseconds timeout{20000};

    std::thread heartbeat;
    std::mutex beatMutex;
    std::condition_variable beatWake;
    bool stopBeating = false;

    QString failure;
    bool left = false;

    c10::intrusive_ptr<c10d::Store> connect(bool server, std::chrono::milliseconds connectFor) const;
    void beat(c10::intrusive_ptr<c10d::Store> beatStore);
    void stopHeartbeat();
    std::map<int, int64_t> beats() const;
    std::optional<QString> reportedError(int except) const;
    QString diagnose(const QString &what);
    [[noreturn]] void fail(const std::exception &e);
    template<typename F>
    void collective(F &&f);
};

c10::intrusive_ptr<c10d::Store> DistributedContext::Private::connect(bool server, std::chrono::milliseconds connectFor) const
{
    auto scoped = [this](c10::intrusive_ptr<c10d::Store> base) -> c10::intrusive_ptr<c10d::Store> {
        if (options.agentStore) // as torch.distributed does with torchrun's agent store
            base = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(options.restartCount), base);
        return c10::make_intrusive<c10d::PrefixStore>("modelcomposer", base);
    };
    if (!options.storeFile.isEmpty()) {
        // A local run: no listening socket at all. numWorkers -1: the file
        // stays until its folder goes (the launcher removes it), however many
        // stores each rank opens.
        try {
            auto file = c10::make_intrusive<c10d::FileStore>(options.storeFile.toStdString(), -1);
            file->setTimeout(timeout);
            return scoped(file);
        } catch (const std::exception &e) {
            throw DistributedError(QStringLiteral("Rank %1 cannot open the store file %2 (%3).")
                                       .arg(options.rank)
                                       .arg(options.storeFile)
                                       .arg(firstLine(e)));
        }
    }
    c10d::TCPStoreOptions o;
    o.port = std::uint16_t(options.masterPort);
    o.isServer = server;
    o.numWorkers = options.worldSize;
    o.waitWorkers = false; // ranks meet through their own keys, with names in the error
    o.multiTenant = server;
    o.timeout = timeout;
    // A client may start before the host: keep trying for `connectFor`.
    const Clock::time_point deadline = Clock::now() + connectFor;
    for (;;) {
        try {
            // The TCPStore's server listens on every interface and asks no
            // one who they are (as PyTorch's): for runs on a trusted network.
            return scoped(c10::make_intrusive<c10d::TCPStore>(options.masterAddr.toStdString(), o));
        } catch (const std::exception &e) {
            if (server || Clock::now() >= deadline)
                throw DistributedError(QStringLiteral("Rank %1 cannot %2 the store at %3:%4 (%5).")
                                           .arg(options.rank)
                                           .arg(server ? QStringLiteral("host") : QStringLiteral("reach"))
                                           .arg(options.masterAddr)
                                           .arg(options.masterPort)
                                           .arg(firstLine(e)));
        }
    }
}

void DistributedContext::Private::beat(c10::intrusive_ptr<c10d::Store> beatStore)
{
    const std::string k = key("beat", options.rank);
    std::unique_lock<std::mutex> lock(beatMutex);
    while (!stopBeating) {
        try {
            beatStore->add(k, 1);
        } catch (const std::exception &) {
            return; // the store is gone; a collective will say so
        }
        beatWake.wait_for(lock, kBeatInterval, [this] { return stopBeating; });
    }
}

void DistributedContext::Private::stopHeartbeat()
{
    {
        std::lock_guard<std::mutex> lock(beatMutex);
        stopBeating = true;
    }
    beatWake.notify_all();
    if (heartbeat.joinable())
        heartbeat.join();
}

std::map<int, int64_t> DistributedContext::Private::beats() const
{
    std::map<int, int64_t> counts;
    for (int r = 0; r < options.worldSize; ++r)
        if (r != options.rank && store->check({key("beat", r)}))
            counts[r] = store->add(key("beat", r), 0);
    return counts;
}

std::optional<QString> DistributedContext::Private::reportedError(int except) const
{
    for (int r = 0; r < options.worldSize; ++r)
        if (r != except && store->check({key("error", r)}))
            return QStringLiteral("rank %1 failed: %2").arg(r).arg(text(store->get(key("error", r))));
    return std::nullopt;
}

QString DistributedContext::Private::diagnose(const QString &what)
{
    try {
        const std::map<int, int64_t> before = beats();
        const Clock::time_point end = Clock::now() + kDiagnosisWindow;
        while (Clock::now() < end) {
            if (const auto error = reportedError(options.rank))
                return *error;
            std::this_thread::sleep_for(kPollInterval * 2);
        }
        const std::map<int, int64_t> after = beats();
        std::vector<int> silent;
        for (int r = 0; r < options.worldSize; ++r) {
            if (r == options.rank || store->check({key("ended", r)}))
                continue;
            const auto b = before.find(r);
            const auto a = after.find(r);
            if (b == before.end() || a == after.end() || a->second == b->second)
                silent.push_back(r);
        }
        if (!silent.empty())
            return QStringLiteral("%1 stopped responding: the process ended or its connection was lost (%2)")
                .arg(rankList(silent), what);
        // A rank that found the cause before this one.
        for (int r = 0; r < options.worldSize; ++r)
            if (r != options.rank && store->check({key("lost", r)}))
                return text(store->get(key("lost", r)));
        return QStringLiteral("the connection to another rank was lost (%1)").arg(what);
    } catch (const std::exception &e) {
        if (options.agentStore)
            return QStringLiteral("the launcher's store at %1:%2 stopped responding (%3)")
                .arg(options.masterAddr).arg(options.masterPort).arg(what);
        return QStringLiteral("rank 0 stopped responding: the process ended or its connection was lost (%1)").arg(what);
    }
}

void DistributedContext::Private::fail(const std::exception &e)
{
    if (failure.isEmpty()) {
        failure = diagnose(firstLine(e));
        try {
            store->set(key("lost", options.rank), bytes(failure));
        } catch (const std::exception &) {
        }
    }
    throw DistributedError(failure);
}

template<typename F>
void DistributedContext::Private::collective(F &&f)
{
    if (!failure.isEmpty())
        throw DistributedError(failure);
    if (!group)
        throw DistributedError(QStringLiteral("Rank %1 has left the run.").arg(options.rank));
    try {
        f();
    } catch (const DistributedError &) {
        throw;
    } catch (const std::exception &e) {
        fail(e);
    }
}

DistributedContext::DistributedContext(const DistributedOptions &options)
    : d(std::make_unique<Private>())
{
    if (const auto problem = options.problem())
        throw DistributedError(*problem);
    d->options = options;
    d->timeout = std::chrono::seconds(options.timeoutSeconds);
    const std::chrono::milliseconds joinFor = std::chrono::seconds(options.joinTimeoutSeconds);
    d->store = d->connect(options.hostsStore(), joinFor);
    d->heartbeat = std::thread(&Private::beat, d.get(), d->connect(false, joinFor));

    try {
        waitForAll(QStringLiteral("joined"));
        auto groupOptions = c10d::ProcessGroupGloo::Options::create(d->timeout);
        groupOptions->devices.push_back(makeDevice(options));
        groupOptions->threads = 2;
        d->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
            c10::make_intrusive<c10d::PrefixStore>("gloo", d->store), options.rank, options.worldSize, groupOptions);
    } catch (const DistributedError &) {
        leave();
        throw;
    } catch (const std::exception &e) {
        const QString message = QStringLiteral("Rank %1 cannot set up the process group: %2").arg(options.rank).arg(firstLine(e));
        leave(message);
        throw DistributedError(message);
    }
}

DistributedContext::~DistributedContext()
{
    leave();
}

const DistributedOptions &DistributedContext::options() const
{
    return d->options;
}

int DistributedContext::rank() const
{
    return d->options.rank;
}

int DistributedContext::worldSize() const
{
    return d->options.worldSize;
}

QString DistributedContext::failure() const
{
    return d->failure;
}

void DistributedContext::waitForAll(const QString &phase)
{
    if (!d->failure.isEmpty())
        throw DistributedError(d->failure);
    const DistributedOptions &o = d->options;
    const std::string prefix = "ready/" + phase.toStdString();
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + std::chrono::seconds(o.joinTimeoutSeconds);
    std::map<int, std::pair<int64_t, Clock::time_point>> lastBeat; // rank -> (count, when it last changed)
    try {
        d->store->set(key(prefix.c_str(), o.rank), bytes(QStringLiteral("1")));
        for (;;) {
            std::vector<int> missing;
            for (int r = 0; r < o.worldSize; ++r)
                if (!d->store->check({key(prefix.c_str(), r)}))
                    missing.push_back(r);
            if (missing.empty())
                return;
            if (const auto error = d->reportedError(o.rank))
                throw DistributedError(*error);
            const Clock::time_point now = Clock::now();
            std::vector<int> silent;
            for (int r : missing) {
                if (!d->store->check({key("beat", r)}))
                    continue; // not started yet: the join timeout applies
                const int64_t count = d->store->add(key("beat", r), 0);
                auto it = lastBeat.find(r);
                if (it == lastBeat.end() || it->second.first != count)
                    lastBeat[r] = {count, now};
                else if (now - it->second.second > d->timeout)
                    silent.push_back(r);
            }
            if (!silent.empty())
                throw DistributedError(QStringLiteral("%1 stopped responding before `%2`: the process ended or its "
                                                      "connection was lost")
                                           .arg(rankList(silent), phase));
            if (now > deadline)
                throw DistributedError(QStringLiteral("%1 did not reach `%2` within %3 s (world size %4, store at %5:%6)")
                                           .arg(rankList(missing), phase)
                                           .arg(o.joinTimeoutSeconds)
                                           .arg(o.worldSize)
                                           .arg(o.masterAddr)
                                           .arg(o.masterPort));
            std::this_thread::sleep_for(kPollInterval);
        }
    } catch (const DistributedError &) {
        throw;
    } catch (const std::exception &e) {
        d->failure = o.hostsStore() ? QStringLiteral("the store failed: %1").arg(firstLine(e))
                                    : QStringLiteral("the store at %1:%2 stopped responding (%3)")
                                          .arg(o.masterAddr).arg(o.masterPort).arg(firstLine(e));
        throw DistributedError(d->failure);
    }
}

namespace {

/// Broadcasts `tensors` from rank 0: one flat buffer per element type.
void broadcastFlat(c10d::ProcessGroupGloo &group, const std::vector<torch::Tensor> &tensors)
{
    torch::NoGradGuard noGrad;
    std::map<c10::ScalarType, std::vector<torch::Tensor>> byType;
    for (const torch::Tensor &t : tensors)
        byType[t.scalar_type()].push_back(t);
    for (auto &entry : byType) {
        std::vector<torch::Tensor> flat;
        for (const torch::Tensor &t : entry.second)
            flat.push_back(t.reshape({-1}));
        std::vector<torch::Tensor> buffer{torch::cat(flat)};
        group.broadcast(buffer)->wait();
        int64_t offset = 0;
        for (torch::Tensor &t : entry.second) {
            t.copy_(buffer[0].narrow(0, offset, t.numel()).view_as(t));
            offset += t.numel();
        }
    }
}

} // namespace

void DistributedContext::broadcastParameters(const torch::nn::Module &module)
{
    std::vector<torch::Tensor> tensors = module.parameters();
    for (const torch::Tensor &b : module.buffers())
        tensors.push_back(b);
    d->collective([&] { broadcastFlat(*d->group, tensors); });
}

void DistributedContext::broadcastBuffers(const torch::nn::Module &module)
{
    const std::vector<torch::Tensor> tensors = module.buffers();
    if (tensors.empty())
        return;
    d->collective([&] { broadcastFlat(*d->group, tensors); });
}

void DistributedContext::allReduceGradients(GradientBuckets &buckets)
{
    d->collective([&] {
        std::vector<c10::intrusive_ptr<c10d::Work>> works;
        for (torch::Tensor &buffer : buckets.buffers()) {
            std::vector<torch::Tensor> one{buffer};
            works.push_back(d->group->allreduce(one));
        }
        for (auto &w : works)
            w->wait();
        const double scale = 1.0 / double(d->options.worldSize);
        for (torch::Tensor &buffer : buckets.buffers())
            buffer.mul_(scale);
    });
}

void DistributedContext::allReduceSum(torch::Tensor values)
{
    d->collective([&] {
        std::vector<torch::Tensor> one{values};
        d->group->allreduce(one)->wait();
    });
}

void DistributedContext::barrier()
{
    d->collective([&] { d->group->barrier()->wait(); });
}

void DistributedContext::leave(const QString &error)
{
    if (d->left)
        return;
    d->left = true;
    const DistributedOptions &o = d->options;
    try {
        if (!error.isEmpty() && d->failure.isEmpty())
            d->store->set(key("error", o.rank), bytes(error));
        d->store->set(key("ended", o.rank), bytes(error.isEmpty() ? QStringLiteral("ok") : error));
    } catch (const std::exception &) {
    }
    try {
        d->group.reset(); // peers waiting for this rank fail at once
    } catch (const std::exception &) {
    }
    if (o.hostsStore() && d->store) {
        // The others may still read what happened from the store: keep it up
        // until every rank that joined has ended or its heartbeat has stopped.
        const Clock::time_point deadline = Clock::now() + d->timeout + kDiagnosisWindow;
        std::map<int, std::pair<int64_t, Clock::time_point>> lastBeat;
        try {
            for (;;) {
                const Clock::time_point now = Clock::now();
                bool waiting = false;
                for (int r = 0; r < o.worldSize; ++r) {
                    if (r == o.rank || d->store->check({key("ended", r)}) || !d->store->check({key("beat", r)}))
                        continue;
                    const int64_t count = d->store->add(key("beat", r), 0);
                    auto it = lastBeat.find(r);
                    if (it == lastBeat.end() || it->second.first != count)
                        lastBeat[r] = {count, now};
                    if (now - lastBeat[r].second < kBeatInterval * 6)
                        waiting = true;
                }
                if (!waiting || now > deadline)
                    break;
                std::this_thread::sleep_for(kPollInterval);
            }
        } catch (const std::exception &) {
        }
    }
    d->stopHeartbeat();
}

} // namespace mc
