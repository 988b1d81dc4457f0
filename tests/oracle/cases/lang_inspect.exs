# IO.inspect pretty printing at width 80, and inspect/1 on one line.
IO.inspect Enum.to_list(1..60)
IO.inspect Enum.to_list(1..30), limit: 10
IO.inspect %{alpha: Enum.to_list(1..25), beta: "a string that is quite long indeed", gamma: {:ok, [1, 2, 3]}}
IO.inspect [first: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", second: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]
IO.inspect {:a_long_atom_name_number_one, :a_long_atom_name_number_two, :a_long_atom_name_number_three}
IO.inspect [{:ok, 1}, {:ok, 2}, {:error, "something went wrong in a rather verbose way"}, {:ok, 4}]
IO.inspect %{"string key" => [1, 2, 3], :atom_key => %{nested: %{deeper: [:x, :y, :z]}}, 42 => "forty two"}
IO.inspect "a string with \"quotes\" and \\ and unicode é"
IO.inspect 'charlist'
IO.inspect [1, 2 | 3]
IO.inspect {1.0, -0.5, 1.0e10, 1.5e-7, 123456789.123}
IO.inspect :"quoted atom", label: "atom"
IO.inspect [:a, :b], label: "a label that is long enough to matter for the layout of the line"
IO.puts inspect(Enum.to_list(1..40))
IO.inspect %RuntimeError{message: "boom"}
IO.inspect {:error, %ArgumentError{message: "a very long message that will definitely need to wrap somewhere"}}
