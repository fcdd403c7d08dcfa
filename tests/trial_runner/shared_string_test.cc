#include "shared_string.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "event_file_reader.h"
#include "event_file_writer.h"
#include "metrics_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

TEST_CASE("a SharedString reads and compares as the string it holds", "[shared_string]") {
  const SharedString loss = "loss";
  const SharedString empty;
  CHECK(loss == "loss");
  CHECK(loss == std::string("loss"));
  CHECK(loss == std::string_view("loss"));
  CHECK("loss" == loss);
  CHECK(loss != "los");
  CHECK(loss == SharedString(std::string("loss")));  // another buffer, the same text
  CHECK(empty == "");
  CHECK(empty.empty());
  CHECK(SharedString("").empty());
  CHECK(loss.size() == 4);
  CHECK(loss.view() == "loss");
  CHECK(loss < SharedString("lr"));
  CHECK(SharedString("accuracy") < loss);

  const std::string& text = loss;  // converts to a const std::string&
  CHECK(text == "loss");
  std::map<std::string, int> by_tag;
  ++by_tag[loss];
  CHECK(by_tag.at("loss") == 1);
  std::set<SharedString> sorted = {"b", "a", "b"};
  CHECK(std::vector<SharedString>(sorted.begin(), sorted.end()) ==
        std::vector<SharedString>{"a", "b"});
  std::ostringstream printed;
  printed << loss << empty;
  CHECK(printed.str() == "loss");
}

TEST_CASE("copies share one buffer, also across threads", "[shared_string]") {
  const SharedString original(std::string(100, 'x'));
  std::vector<SharedString> copies;
  std::thread copier([&] {
    for (int i = 0; i < 1000; ++i)
      copies.push_back(original);
  });
  copier.join();
  for (const auto& copy : copies)
    CHECK(&copy.str() == &original.str());
  SharedString moved = std::move(copies.back());
  copies.clear();
  CHECK(&moved.str() == &original.str());
  CHECK(moved == std::string(100, 'x'));
}

TEST_CASE("a SharedStringTable hands out one SharedString per text", "[shared_string]") {
  SharedStringTable table;
  std::string text = "validation/a_tag_longer_than_the_small_string_buffer";
  const SharedString first = table.Get(text);
  text[0] = 'V';  // the table keeps its own copy
  CHECK(first == "validation/a_tag_longer_than_the_small_string_buffer");
  CHECK(&table.Get("validation/a_tag_longer_than_the_small_string_buffer").str() == &first.str());
  CHECK(&table.Get(text).str() != &first.str());
  CHECK(table.Get("") == "");
  CHECK(table.size() == 3);
}

TEST_CASE("the records of one tag share its string", "[shared_string]") {
  const auto dir = UniqueTempDir("shared-tags");
  std::string bytes = FrameTfRecord(EncodeFileVersionEvent(1.0));
  const std::string long_tag(60, 't');
  for (int step = 0; step < 4; ++step) {
    bytes += FrameTfRecord(EncodeScalarEvent(long_tag, step, 0.5f, 1.0 + step));
    bytes += FrameTfRecord(EncodeScalarEvent("loss", step, 0.25f, 1.0 + step));
  }
  WriteFileBytes(dir / "events.out.tfevents.1.host", bytes);
  EventFileReader reader((dir / "events.out.tfevents.1.host").string(), "train");
  MetricPoll poll;
  reader.Poll(poll);
  REQUIRE(poll.records.size() == 8);
  for (std::size_t i = 0; i < poll.records.size(); ++i) {
    const MetricRecord& record = poll.records[i];
    CHECK(record.tag == (i % 2 == 0 ? long_tag : std::string("loss")));
    CHECK(&record.tag.str() == &poll.records[i % 2].tag.str());
    CHECK(&record.run.str() == &poll.records[0].run.str());
    CHECK(record.FullTag() == "train/" + record.tag.str());
  }
}
