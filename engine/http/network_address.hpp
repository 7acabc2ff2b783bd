#pragma once

// Facts about textual IP addresses that decide server security defaults.

#include <string_view>

namespace lusifer {

// True for IPv4 127.0.0.0/8, IPv6 ::1 and IPv4-mapped loopback
// (::ffff:127.x.y.z), and for the name "localhost". False for anything else,
// including wildcard addresses (0.0.0.0, ::) and text that is not an address.
bool is_loopback_address(std::string_view address) noexcept;

}  // namespace lusifer
