#include "messages/type_ids.hpp"

#include "messages/errors.hpp"

namespace lusifer {

void register_message_types(caf::actor_system_config& config) {
  config.add_message_types<caf::id_block::lusifer>();
  config.add_error_category(kErrorCategory,
                            [](std::uint8_t code, caf::atom_value, const caf::message& context) {
                              std::string out = errc_name(static_cast<Errc>(code));
                              if (context.match_elements<std::string>()) {
                                out += ": " + context.get_as<std::string>(0);
                              }
                              return out;
                            });
}

}  // namespace lusifer
