#include <iostream>
int main() { std::cout << "handgrad\n"; }
