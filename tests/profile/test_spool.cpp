// The spool reader against hostile and hand-made spool files (no program involved).
#include "ProfileSpool.h"
#include "TestSupport.h"

#include "cupti_collector/inject/EventFormat.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>

using namespace ks;
using inject::EventRecord;
using inject::EventType;

namespace {

struct SegmentWriter {
    std::vector<char> bytes = std::vector<char>(inject::kEventHeaderBytes, 0);
    void add(EventType type, int64_t t, std::string text = {}, uint64_t a = 0,
             uint32_t domain = 0) {
        EventRecord r{};
        r.type = uint16_t(type);
        r.textBytes = uint16_t(text.size());
        r.timeNs = t;
        r.a = a;
        r.domain = domain;
        const size_t at = bytes.size();
        bytes.resize(at + inject::paddedRecordBytes(text.size()), 0);
        std::memcpy(bytes.data() + at, &r, sizeof r);
        std::memcpy(bytes.data() + at + sizeof r, text.data(), text.size());
    }
    void save(const std::string& path, uint32_t pid, uint32_t tid, uint64_t dropped = 0,
              int64_t committedDelta = 0) {
        inject::EventFileHeader h{};
        std::memcpy(h.magic, inject::kEventMagic, 8);
        h.pid = pid;
        h.tid = tid;
        h.committed = uint64_t(int64_t(bytes.size() - sizeof h) + committedDelta);
        h.capacity = bytes.size() - sizeof h;
        h.dropped = dropped;
        std::memcpy(bytes.data(), &h, sizeof h);
        std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    }
};

} // namespace

TEST_CASE("Spool reader: ranges with interleaved domains and unmatched pops and dropped records",
          "[profile]") {
    const std::string dir = test::scratchDir("spool_basic");
    SegmentWriter s;
    s.add(EventType::DomainName, 0, "d", 0, 5);
    s.add(EventType::Push, 100, "outer");
    s.add(EventType::Push, 110, "dom", 0, 5);
    s.add(EventType::Pop, 120); // closes "outer" (default domain), not "dom"
    s.add(EventType::Pop, 130, {}, 0, 5);
    s.add(EventType::Pop, 140); // nothing open: unmatched
    s.add(EventType::Push, 150, "never-popped");
    s.save(dir + "/ev.10.11.0.ksev", 10, 11, /*dropped*/ 4);
    data::Run run;
    auto stats = cli::readSpool(dir, cli::SpoolClock{}, 1000, run);
    REQUIRE(stats);
    CHECK(stats.value().dropped == 4);
    CHECK(stats.value().unmatched == 2);
    REQUIRE(run.ranges.size() == 3);
    CHECK(run.strings.get(run.ranges.name[0]) == "outer");
    CHECK(run.ranges.end_ns[0] == 120);
    CHECK(run.strings.get(run.ranges.name[1]) == "d::dom");
    CHECK(run.ranges.depth[1] == 1);
    CHECK(run.ranges.end_ns[1] == 130);
    CHECK(run.ranges.end_ns[2] == 1000); // closed where the recording ended
}

TEST_CASE("Spool reader: damaged segments and tensor files are counted and not trusted",
          "[profile]") {
    const std::string dir = test::scratchDir("spool_damaged");
    SegmentWriter ok;
    ok.add(EventType::Push, 1, "a");
    ok.add(EventType::Pop, 2);
    ok.save(dir + "/ev.1.1.0.ksev", 1, 1);
    SegmentWriter overlong; // committed claims more bytes than the file has
    overlong.add(EventType::Mark, 5, "m");
    overlong.save(dir + "/ev.1.2.0.ksev", 1, 2, 0, 4096);
    SegmentWriter badType;
    badType.add(EventType::Mark, 5, "m");
    badType.bytes[inject::kEventHeaderBytes] = 99; // unknown record type
    badType.save(dir + "/ev.1.3.0.ksev", 1, 3);
    std::ofstream(dir + "/ev.1.4.0.ksev") << "short";
    std::ofstream(dir + "/tensor.1.0.kst") << "KSTN0001 but far too short";
    data::Run run;
    auto stats = cli::readSpool(dir, cli::SpoolClock{}, 10, run);
    REQUIRE(stats);
    CHECK(stats.value().damaged == 4);
    CHECK(run.ranges.size() == 1);
    CHECK(run.tensors.empty());
}

TEST_CASE("Spool clock: TSC stamps map linearly onto the raw monotonic clock", "[profile]") {
    // Two pairs: tsc 1000 at raw 100 ns, tsc 3000 at raw 1100 ns -> 0.5 ns per tick.
    const auto c = cli::SpoolClock::fromPairs(100, 1000, 100, 3000, 1100);
    CHECK(c.toRunNs(2000, uint32_t(inject::EventClock::Tsc)) == 500);
    CHECK(c.toRunNs(5000, uint32_t(inject::EventClock::MonotonicRaw)) == 4900);
    CHECK(!c.toRunNs(5, 7)); // unknown clock
    CHECK(!cli::SpoolClock{}.toRunNs(5, uint32_t(inject::EventClock::Tsc)));
}
