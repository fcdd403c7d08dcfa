#include "shared_string.h"

namespace bayestune {

SharedString::SharedString(std::string text)
    : text_(text.empty() ? nullptr : std::make_shared<const std::string>(std::move(text))) {}

const std::string& SharedString::Empty() {
  static const std::string empty;
  return empty;
}

const SharedString& SharedStringTable::Get(std::string_view text) {
  if (const auto found = strings_.find(text); found != strings_.end()) return found->second;
  SharedString shared(text);
  const std::string_view key = shared.view();  // the characters stay where they are when moved
  return strings_.emplace(key, std::move(shared)).first->second;
}

}  // namespace bayestune
