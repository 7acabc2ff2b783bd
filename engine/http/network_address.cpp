#include "engine/http/network_address.hpp"

#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "engine/http/http_headers.hpp"

namespace lusifer {

bool is_loopback_address(std::string_view address) noexcept {
  if (iequals(address, "localhost"))
    return true;
  if (address.size() >= INET6_ADDRSTRLEN)
    return false;
  char text[INET6_ADDRSTRLEN] = {};
  std::memcpy(text, address.data(), address.size());
  in_addr v4{};
  if (::inet_pton(AF_INET, text, &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text, &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6))
      return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6))
      return v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace lusifer
