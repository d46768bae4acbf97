#!/bin/sh
# protocol-style: the rules of wayland-protocols that a scanner does not check.
#  - every interface has a destructor request;
#  - no request, event or argument is named after a C or C++ keyword (the generated headers
#    must compile as either; xdg-foreign v1 had to be replaced over `export`);
#  - every request and event has a <description>, every error a summary (arguments and other
#    enum entries without a summary are listed as notes).
# usage: style.sh XML
set -eu
xml=$1

if ! command -v xmllint >/dev/null 2>&1; then
	echo "SKIP xmllint is not installed (Debian: libxml2-utils)"
	exit 77
fi

status=0
xpath() {
	xmllint --xpath "$1" "$xml" 2>/dev/null || true
}
# Prints one name per line for an XPath that selects name attributes.
names() {
	xpath "$1" | sed -n 's/^ *name="\([^"]*\)".*$/\1/p; s/^ *name="\([^"]*\)"$/\1/p' | sort -u
}

for iface in $(names '//interface/@name'); do
	n=$(xpath "count(//interface[@name='$iface']/request[@type='destructor'])")
	if [ "$n" = "0" ]; then
		echo "FAIL interface $iface has no destructor request"
		status=1
	fi
done

keywords="alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t
char32_t char8_t class compl concept const consteval constexpr constinit const_cast continue
co_await co_return co_yield decltype default delete do double dynamic_cast else enum explicit
export extern false float for friend goto if inline int long mutable namespace new noexcept not
not_eq nullptr operator or or_eq private protected public register reinterpret_cast requires
restrict return short signed sizeof static static_assert static_cast struct switch template this
thread_local throw true try typedef typeid typename union unsigned using virtual void volatile
wchar_t while xor xor_eq"
for kind in request event arg; do
	for name in $(names "//$kind/@name"); do
		for kw in $keywords; do
			if [ "$name" = "$kw" ]; then
				echo "FAIL a $kind is named '$name', a C or C++ keyword"
				status=1
			fi
		done
	done
done

# Requests, events and errors are documented (failures); arguments and other enum entries
# should be (notes only).
for kind in request event; do
	for iface in $(names '//interface/@name'); do
		for name in $(names "//interface[@name='$iface']/$kind[not(description)]/@name"); do
			echo "FAIL $kind $iface.$name has no <description>"
			status=1
		done
		for name in $(names "//interface[@name='$iface']/$kind/arg[not(@summary) and not(description)]/@name"); do
			echo "NOTE an argument '$name' of a $kind of $iface has no summary"
		done
	done
done
for iface in $(names '//interface/@name'); do
	for enum in $(names "//interface[@name='$iface']/enum/@name"); do
		for name in $(names "//interface[@name='$iface']/enum[@name='$enum']/entry[not(@summary) and not(description)]/@name"); do
			if [ "$enum" = "error" ]; then
				echo "FAIL error $iface.$name has no summary"
				status=1
			else
				echo "NOTE enum entry $iface.$enum.$name has no summary"
			fi
		done
	done
done

[ $status -eq 0 ] && echo "PASS protocol style"
exit $status
