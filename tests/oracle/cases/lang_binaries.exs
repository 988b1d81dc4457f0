# Binaries beyond strings: <<>> construction and patterns with integer, binary, utf8 and float segments,
# sizes (literal and bound earlier in the pattern), endianness and signedness; byte_size.
defmodule Case do
  def parse(<<len::16, data::binary-size(len), rest::binary>>), do: {data, rest}
  def cmd("GET " <> path), do: {:get, path}
  def head(<<h, t::binary>>), do: {h, t}
  def utf(<<c::utf8, rest::binary>>), do: {c, rest}
  def run do
    b = <<1, 2, 3>>
    IO.inspect b
    IO.inspect byte_size(b)
    IO.inspect <<"abc", 0>>
    IO.inspect <<"ab", "cd">>
    IO.inspect <<65, 66, 67>>
    IO.inspect <<256::16>>
    IO.inspect <<1::little-16>>
    IO.inspect <<-1::signed-16>>
    IO.inspect <<1.5::float>>
    IO.inspect <<233::utf8>>
    s = "héllo"
    IO.inspect <<s::binary, "!">>
    IO.inspect byte_size(s)
    IO.inspect parse(<<0, 3, "abcxyz">>)
    IO.inspect head("hello")
    IO.inspect utf("élan")
    <<a, b2, c>> = <<10, 20, 30>>
    IO.inspect {a, b2, c}
    <<x::16, y::little-16>> = <<1, 2, 3, 4>>
    IO.inspect {x, y}
    <<n::signed-8>> = <<255>>
    IO.inspect n
    <<f::float>> = <<1.5::float>>
    IO.inspect f
    IO.inspect match_bin(<<1, 2>>)
    IO.inspect <<>>
    IO.inspect is_binary(<<1>>)
    try do
      IO.inspect <<"a"::utf8>>
      v = Enum.at(["x"], 0)
      IO.inspect <<v>>
    rescue
      _e in ArgumentError -> IO.puts "ArgumentError"
    end
    case <<7, 8>> do
      <<7, rest::binary>> -> IO.inspect rest, label: "case"
    end
    send(self(), <<9, 9, 9>>)
    receive do
      <<9, more::binary>> -> IO.inspect more, label: "received"
    end
  end
  def match_bin(<<1, _::binary>>), do: :starts_with_one
  def match_bin(_), do: :other
end
Case.run()
