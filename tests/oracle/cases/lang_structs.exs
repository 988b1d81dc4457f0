# Structs: defstruct with and without defaults, construction, update, patterns, field access, inspect order.
defmodule User do
  defstruct [:name, age: 30, tags: []]
  def new(n), do: %__MODULE__{name: n}
  def older(%User{age: a} = u), do: %User{u | age: a + 1}
end

defmodule Point do
  defstruct x: 0, y: 0
  def origin?(%Point{x: 0, y: 0}), do: true
  def origin?(%Point{}), do: false
end

defmodule Case do
  def kind(%Point{}), do: :point
  def kind(%User{age: age}) when age >= 18, do: :adult
  def kind(%{}), do: :map

  def run do
    u = User.new("ann")
    IO.inspect u
    IO.inspect User.older(u)
    IO.inspect %Point{y: 2}
    IO.puts inspect(%Point{})
    %User{name: n} = u
    IO.puts n
    IO.inspect u.age
    IO.inspect {is_map(u), map_size(u)}
    IO.inspect Map.keys(%Point{})
    IO.inspect Map.put(%Point{}, :z, 1)
    IO.inspect Map.delete(%User{name: "b"}, :tags)
    IO.inspect {Point.origin?(%Point{}), Point.origin?(%Point{x: 1})}
    IO.inspect Enum.map([%Point{}, u, %{a: 1}], &kind/1)
    IO.inspect [%Point{x: 1}, %Point{x: 2}], label: "points"
    IO.inspect Map.from_struct(%Point{x: 5})
    IO.inspect u.__struct__
    IO.inspect %User{name: "long", tags: Enum.to_list(1..30)}
    IO.inspect %{u | name: "changed"}
    send(self(), %Point{x: 7, y: 8})
    receive do
      %Point{x: x} -> IO.inspect x, label: "received point"
    end
    try do
      u.missing
    rescue
      e in KeyError -> IO.puts "KeyError: " <> Exception.message(e)
    end
  end
end

Case.run()
